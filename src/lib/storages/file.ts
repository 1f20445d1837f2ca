import { storageOver, type IdSessionStorage, type IdStorageOptions } from "../engine/id-storage.js";
import type { SessionData } from "../session/session.js";
import { FileStore, type FileStoreOptions } from "../stores/file.js";

export interface FileSessionStorageOptions<Data = SessionData> extends IdStorageOptions<Data>, FileStoreOptions {}

/**
 * Sessions as one JSON file each under `dir`: atomic writes, mode 0600, safe
 * for several processes (on one host or several) sharing the directory. `dir`
 * is made and tried when the storage is created: a path that cannot hold
 * sessions is a SessionConfigError then, not a failed login later.
 *
 * ```ts
 * import { createFileSessionStorage } from "tessera-session/file";
 * const storage = createFileSessionStorage({ dir: "./sessions", cookie: { secrets: [process.env.SESSION_SECRET!] } });
 * ```
 */
export function createFileSessionStorage<Data = SessionData, FlashData = Data>(
  options: FileSessionStorageOptions<Data>,
): IdSessionStorage<Data, FlashData, FileStore> {
  return storageOver<Data, FlashData, FileStore>(new FileStore(options), options);
}
