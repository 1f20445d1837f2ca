import { CliError } from "./fail.js";
import type { SessionStore } from "../stores/store.js";

export interface OpenedStore {
  store: SessionStore;
  label: string;
  close(): Promise<void>;
}

/**
 * A store from `--store`: `file:DIR`, `redis://…` (or `rediss://…`), or
 * `postgres://…` (or `postgresql://…`). The drivers are loaded only when named.
 */
export async function openStore(spec: string | undefined, options: { prefix?: string; table?: string }): Promise<OpenedStore> {
  if (!spec) throw new CliError("--store is required: file:DIR, redis://HOST:PORT or postgres://USER@HOST/DB");
  if (spec.startsWith("file:")) {
    const dir = spec.slice(5);
    if (!dir) throw new CliError("--store file: needs a directory, e.g. file:./sessions");
    const { FileStore } = await import("../stores/file.js");
    const store = new FileStore({ dir });
    return { store, label: `file store ${dir}`, close: () => store.settled() };
  }
  if (/^rediss?:\/\//.test(spec)) {
    const { createClient } = await import("redis").catch(() => {
      throw new CliError("--store redis:// needs the `redis` package: npm install redis");
    });
    const { RedisStore } = await import("../stores/redis.js");
    const client = createClient({ url: spec, socket: { reconnectStrategy: false, connectTimeout: 3000 } });
    client.on("error", () => {});
    try {
      await client.connect();
    } catch (error) {
      throw new CliError(`cannot reach Redis at ${redact(spec)}: ${(error as Error).message}`);
    }
    return {
      store: new RedisStore({ client, prefix: options.prefix }),
      label: `Redis ${redact(spec)} (prefix ${options.prefix ?? "tessera:"})`,
      close: async () => void (await client.quit().catch(() => {})),
    };
  }
  if (/^postgres(ql)?:\/\//.test(spec)) {
    const pg = (await import("pg").catch(() => {
      throw new CliError("--store postgres:// needs the `pg` package: npm install pg");
    })).default;
    const { PostgresStore } = await import("../stores/postgres.js");
    const pool = new pg.Pool({ connectionString: spec, connectionTimeoutMillis: 3000, max: 2 });
    pool.on("error", () => {});
    try {
      await pool.query("SELECT 1");
    } catch (error) {
      await pool.end().catch(() => {});
      throw new CliError(`cannot reach PostgreSQL at ${redact(spec)}: ${(error as Error).message}`);
    }
    let store;
    try {
      store = new PostgresStore({ pool, table: options.table });
    } catch (error) {
      await pool.end();
      throw new CliError((error as Error).message);
    }
    return { store, label: `PostgreSQL ${redact(spec)} (table ${store.table})`, close: () => pool.end() };
  }
  throw new CliError(`--store ${JSON.stringify(spec)} is not one of file:DIR, redis://… or postgres://…`);
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*):[^@]*@/, "$1:***@");
}
