// `tessera/file`: sessions on disk (Node only).
import { createSessionStorage, type IdSessionStorage } from "./lib/engine/id-storage.js";
import type { SessionData } from "./lib/session/session.js";
import type { StorageOptions } from "./lib/engine/storage.js";
import { FileStore, type FileStoreOptions } from "./lib/stores/file.js";

export { FileStore, type FileStoreOptions } from "./lib/stores/file.js";

export interface FileSessionStorageOptions extends StorageOptions, FileStoreOptions {
  /** The session key that holds the user id, for `listSessions` / `destroyAllSessions`. */
  userKey?: string;
}

/**
 * Sessions as one JSON file each under `dir`: atomic writes, mode 0600, safe
 * for several processes (on one host or several) sharing the directory. `dir`
 * is made and tried when the storage is created: a path that cannot hold
 * sessions is a SessionConfigError then, not a failed login later.
 *
 * ```ts
 * import { createFileSessionStorage } from "tessera/file";
 * const storage = createFileSessionStorage({ dir: "./sessions", cookie: { secrets: [process.env.SESSION_SECRET!] } });
 * ```
 */
export function createFileSessionStorage<Data = SessionData, FlashData = Data>(
  options: FileSessionStorageOptions,
): IdSessionStorage<Data, FlashData> {
  return createSessionStorage<Data, FlashData>({ ...options, store: new FileStore(options) });
}
