// `tessera/postgres`: sessions in a PostgreSQL table through your own `pg` pool (Node only).
import { createSessionStorage, type IdSessionStorage } from "./lib/engine/id-storage.js";
import type { SessionData } from "./lib/session/session.js";
import type { StorageOptions } from "./lib/engine/storage.js";
import { PostgresStore, type PostgresStoreOptions } from "./lib/stores/postgres.js";

export { PostgresStore, schemaSql, type PostgresStoreOptions, type PgQueryable } from "./lib/stores/postgres.js";

export interface PostgresSessionStorageOptions extends StorageOptions, PostgresStoreOptions {
  /** The session key that holds the user id, for `listSessions` / `destroyAllSessions`. */
  userKey?: string;
}

/**
 * ```ts
 * import pg from "pg";
 * import { createPostgresSessionStorage } from "tessera/postgres";
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const storage = createPostgresSessionStorage({ pool, cookie: { secrets: [process.env.SESSION_SECRET!] } });
 * await storage.store.ensureTable(); // at deploy time: creates the table, or brings an older one up to date
 * ```
 */
export function createPostgresSessionStorage<Data = SessionData, FlashData = Data>(
  options: PostgresSessionStorageOptions,
): IdSessionStorage<Data, FlashData> & { store: PostgresStore } {
  const store = new PostgresStore(options);
  return Object.assign(createSessionStorage<Data, FlashData>({ ...options, store }), { store });
}
