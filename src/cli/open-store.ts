import { stat } from "node:fs/promises";
import { CliError } from "./fail.js";
import { failureReason } from "./reason.js";
import { redactText, redactUrl } from "./redact.js";
import type { SessionStore } from "../lib/stores/store.js";

export interface OpenedStore {
  store: SessionStore;
  /** The store as messages name it, without user name or password. */
  label: string;
  close(): Promise<void>;
}

const ENCODE = "percent-encode the user name and password (@ as %40, : as %3A, / as %2F, ? as %3F, # as %23)";

/**
 * A store from `--store`: `file:DIR`, `redis://…` (or `rediss://…`), or
 * `postgres://…` (or `postgresql://…`). The drivers are loaded only when named.
 * A location that does not exist or cannot be reached is a `CliError`: during
 * an incident, "0 sessions ended" on a mistyped store would read as success.
 */
export async function openStore(spec: string | undefined, options: { prefix?: string; table?: string }): Promise<OpenedStore> {
  if (!spec) throw new CliError("--store is required: file:DIR, redis://HOST:PORT or postgres://USER@HOST/DB");
  if (spec.startsWith("file:")) return openFile(spec.slice(5));
  if (/^rediss?:\/\//.test(spec)) return openRedis(spec, shownUrl(spec), options);
  if (/^postgres(ql)?:\/\//.test(spec)) return openPostgres(spec, shownUrl(spec), options);
  throw new CliError(`--store ${JSON.stringify(redactText(spec))} is not one of file:DIR, redis://… or postgres://…`);
}

/**
 * The URL as messages show it. Refuses a URL whose host, as parsed, is not the
 * text after its last `@`: a raw `?`, `#` or `/` in a password moves the host
 * into the password, and the driver would send part of it to DNS.
 */
function shownUrl(spec: string): string {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    const hint = spec.includes("@") ? ENCODE : "expected SCHEME://HOST:PORT/PATH";
    throw new CliError(`--store ${redactText(spec)} is not a valid URL: ${hint}`);
  }
  const at = spec.lastIndexOf("@");
  if (at >= 0 && url.host.toLowerCase() !== (spec.slice(at + 1).split(/[/?#]/)[0] ?? "").toLowerCase()) {
    throw new CliError(`--store ${redactText(spec)} has an "@" outside its user info: ${ENCODE}`);
  }
  return redactUrl(url);
}

async function openFile(dir: string): Promise<OpenedStore> {
  if (!dir) throw new CliError("--store file: needs a directory, e.g. file:./sessions");
  const label = `file store ${dir}`;
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new CliError(`${label} does not exist: create the directory, or check the --store path`);
    throw new CliError(`${label} cannot be read: ${failureReason(error)}`);
  }
  if (!info.isDirectory()) throw new CliError(`${label} is not a directory`);
  const { FileStore } = await import("../lib/stores/file.js");
  let store;
  try {
    store = new FileStore({ dir });
  } catch (error) {
    // The store checks at creation that it can write there (a read-only mount, a full disk).
    throw new CliError(`${label} cannot be used: ${(error as Error).message}`);
  }
  return { store, label, close: () => store.settled() };
}

async function openRedis(spec: string, shown: string, options: { prefix?: string }): Promise<OpenedStore> {
  const { createClient } = await import("redis").catch(() => {
    throw new CliError("--store redis:// needs the `redis` package: npm install redis");
  });
  const { RedisStore } = await import("../lib/stores/redis.js");
  let client;
  try {
    client = createClient({ url: spec, socket: { reconnectStrategy: false, connectTimeout: 3000 } });
  } catch {
    throw new CliError(`--store ${shown} is not a Redis URL the driver accepts: ${ENCODE}`);
  }
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new CliError(`cannot reach Redis at ${shown}: ${failureReason(error)}`);
  }
  return {
    store: new RedisStore({ client, prefix: options.prefix }),
    label: `Redis ${shown} (prefix ${options.prefix ?? "tessera:"})`,
    close: async () => void (await client.quit().catch(() => {})),
  };
}

async function openPostgres(spec: string, shown: string, options: { table?: string }): Promise<OpenedStore> {
  const pg = (await import("pg").catch(() => {
    throw new CliError("--store postgres:// needs the `pg` package: npm install pg");
  })).default;
  const { PostgresStore } = await import("../lib/stores/postgres.js");
  const pool = new pg.Pool({ connectionString: spec, connectionTimeoutMillis: 3000, max: 2 });
  pool.on("error", () => {});
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw new CliError(`cannot reach PostgreSQL at ${shown}: ${failureReason(error)}`);
  }
  let store;
  try {
    store = new PostgresStore({ pool, table: options.table });
  } catch (error) {
    await pool.end();
    // A SessionConfigError about --table: the library's own words, with no connection details.
    throw new CliError((error as Error).message);
  }
  return { store, label: `PostgreSQL ${shown} (table ${store.table})`, close: () => pool.end() };
}
