import { storageOver, type IdSessionStorage, type IdStorageOptions } from "../engine/id-storage.js";
import type { SessionData } from "../session/session.js";
import { PostgresStore, type PostgresStoreOptions } from "../stores/postgres.js";

export interface PostgresSessionStorageOptions<Data = SessionData> extends IdStorageOptions<Data>, PostgresStoreOptions {}

/**
 * ```ts
 * import pg from "pg";
 * import { createPostgresSessionStorage } from "tessera-session/postgres";
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const storage = createPostgresSessionStorage({ pool, cookie: { secrets: [process.env.SESSION_SECRET!] } });
 * await storage.store.ensureTable(); // at deploy time: creates the table, or brings an older one up to date
 * ```
 */
export function createPostgresSessionStorage<Data = SessionData, FlashData = Data>(
  options: PostgresSessionStorageOptions<Data>,
): IdSessionStorage<Data, FlashData, PostgresStore> {
  return storageOver<Data, FlashData, PostgresStore>(new PostgresStore(options), options);
}
