import { storageOver, type IdSessionStorage, type IdStorageOptions } from "../engine/id-storage.js";
import type { SessionData } from "../session/session.js";
import { MemoryStore, type MemoryStoreOptions } from "../stores/memory.js";

export interface MemorySessionStorageOptions<Data = SessionData> extends IdStorageOptions<Data>, MemoryStoreOptions {}

/**
 * Sessions in process memory: bounded by `maxSessions` (and anonymous ones by
 * `maxAnonymousSessions`); the least recently used anonymous session is evicted
 * first, so visitors never push out signed-in users. Expired entries are swept
 * without a timer per session.
 * Right for one process; use Redis or PostgreSQL when several servers share sessions.
 *
 * ```ts
 * const storage = createMemorySessionStorage({ cookie: { secrets: [process.env.SESSION_SECRET!] } });
 * ```
 */
export function createMemorySessionStorage<Data = SessionData, FlashData = Data>(
  options: MemorySessionStorageOptions<Data> = {},
): IdSessionStorage<Data, FlashData, MemoryStore> {
  return storageOver<Data, FlashData, MemoryStore>(new MemoryStore(options), options);
}
