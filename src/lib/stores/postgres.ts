import { SessionConfigError, SessionStoreError } from "../errors.js";
import { jsonbOf, storable, userIdOf } from "./postgres-text.js";
import { withTimeout } from "./with-timeout.js";
import { STORE_KEY, type SessionPatch, type SessionRecord, type SessionStore } from "./store.js";

/** What tessera needs of a `pg` Pool (or Client): parameterised queries. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

export interface PostgresStoreOptions {
  /** Your `pg` Pool. */
  pool: PgQueryable;
  /** The table, optionally schema-qualified. Default `"tessera_sessions"`. */
  table?: string | undefined;
  /** A query that takes longer fails with `SessionStoreError` (ms, 1 to 2147483647). Default 5000. */
  timeout?: number | undefined;
}

/** Unquoted identifiers only: `name` or `schema.name`, lower case. Anything else never reaches SQL. */
const TABLE = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;

/** Rows one purge statement deletes at most: a batch takes milliseconds, never a long lock. */
const PURGE_BATCH = 5000;

// A longer delay makes setTimeout fire at once, which would fail every query.
const MAX_TIMEOUT = 2_147_483_647;

/**
 * The schema, also printed in the README as migration SQL. Times are epoch
 * milliseconds (bigint), exactly as the engine counts them. `id` is the SHA-256
 * of the session id, never the id itself. Running it again is harmless, and
 * brings a table made by an earlier version up to date.
 */
export function schemaSql(table = "tessera_sessions"): string {
  checkTable(table);
  const index = table.replace(".", "_");
  return `CREATE TABLE IF NOT EXISTS ${table} (
  id text PRIMARY KEY,
  data jsonb NOT NULL,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  user_id text,
  max_age integer
);
ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS max_age integer;
CREATE INDEX IF NOT EXISTS ${index}_expires_at ON ${table} (expires_at);
CREATE INDEX IF NOT EXISTS ${index}_user_id ON ${table} (user_id) WHERE user_id IS NOT NULL;`;
}

/** The `table` option, once it is an unquoted (optionally schema-qualified) lower-case name; a `SessionConfigError` otherwise. */
export function checkTable(table: unknown, example = "tessera_sessions"): void {
  if (typeof table !== "string" || !TABLE.test(table)) {
    throw new SessionConfigError(`option table is invalid: ${JSON.stringify(table)}; use a lower-case name such as "${example}" or "app.${example.replace("tessera_", "")}"`);
  }
}

export function checkPool(pool: unknown): PgQueryable {
  if (typeof pool === "object" && pool !== null && typeof (pool as PgQueryable).query === "function") return pool as PgQueryable;
  // Never the value itself: a connection string passed by mistake carries a password.
  const what = pool === undefined || pool === null ? String(pool) : typeof pool === "object" ? "an object without query()" : `a ${typeof pool}`;
  throw new SessionConfigError(`option pool is invalid: ${what}; use a pg Pool: new pg.Pool({ connectionString })`);
}

export function checkTimeout(timeout: unknown): number {
  if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT) {
    throw new SessionConfigError(`option timeout is invalid: ${String(timeout)}; use a whole number of milliseconds from 1 to ${MAX_TIMEOUT}`);
  }
  return timeout;
}

/**
 * Sessions in a PostgreSQL table, through your own `pg` pool. Per-key updates
 * are one statement (`data = $restore || (data - $removed) || $set`); expired
 * rows are never returned and are removed by `purge()`. Every query is
 * parameterised.
 */
export class PostgresStore implements SessionStore {
  private readonly pool: PgQueryable;
  readonly table: string;
  private readonly timeout: number;
  private readonly sql: Record<"get" | "create" | "replace" | "update" | "take" | "touch" | "delete" | "list" | "deleteUser" | "purge", string>;

  constructor(options: PostgresStoreOptions) {
    this.pool = checkPool(options?.pool);
    this.table = options.table ?? "tessera_sessions";
    checkTable(this.table);
    this.timeout = checkTimeout(options.timeout ?? 5000);
    const t = this.table;
    const cols = "data, created_at, last_seen_at, expires_at, user_id, max_age";
    this.sql = {
      get: `SELECT ${cols} FROM ${t} WHERE id = $1 AND expires_at > $2`,
      create: `INSERT INTO ${t} (id, ${cols}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      // The row moves to its new key, rather than a delete and an insert: a statement waiting on the row
      // ("log out everywhere", a take) then follows it to its new version and tests that, where it would
      // never see an inserted row its snapshot predates. If the update fails (a value jsonb refuses, a
      // taken key), nothing changed.
      replace: `UPDATE ${t} SET id = $3, data = $4::jsonb, created_at = $5, last_seen_at = $6, expires_at = $7, user_id = $8, max_age = $9
        WHERE id = $1 AND expires_at > $2`,
      // In a || b the keys of b win: restored values fill only what clear and unset left absent, then set overrides them.
      update: `UPDATE ${t} SET
          data = ($5::jsonb || (CASE WHEN $3::boolean THEN '{}'::jsonb ELSE data - $4::text[] END)) || $6::jsonb,
          last_seen_at = $7, expires_at = $8,
          user_id = CASE WHEN $9::boolean THEN $10::text ELSE user_id END,
          max_age = CASE WHEN $11::boolean THEN $12::integer ELSE max_age END
        WHERE id = $1 AND expires_at > $2`,
      // The row is locked as it is read: a concurrent take waits, then sees the fields gone.
      take: `WITH old AS (SELECT id, data FROM ${t} WHERE id = $1 AND expires_at > $2 FOR UPDATE),
        gone AS (UPDATE ${t} SET data = ${t}.data - $3::text[] FROM old WHERE ${t}.id = old.id AND old.data ?| $3::text[])
        SELECT (SELECT coalesce(jsonb_object_agg(k, old.data -> k), '{}'::jsonb) FROM unnest($3::text[]) AS k WHERE old.data ? k) AS taken FROM old`,
      touch: `UPDATE ${t} SET last_seen_at = $3, expires_at = $4 WHERE id = $1 AND expires_at > $2`,
      delete: `DELETE FROM ${t} WHERE id = $1`,
      list: `SELECT id, ${cols} FROM ${t} WHERE user_id = $1 AND expires_at > $2`,
      deleteUser: `DELETE FROM ${t} WHERE user_id = $1 AND id <> $2 AND expires_at > $3`,
      // ORDER BY starts each batch at the head of the expiry index, and ANY(ARRAY(...)) finds the batch's rows
      // by primary key: a join would scan every expired row again for each batch. The outer expiry test is
      // checked again on a row a concurrent touch just extended: without it, that row would go.
      purge: `DELETE FROM ${t} WHERE id = ANY(ARRAY(SELECT id FROM ${t} WHERE expires_at <= $1 ORDER BY expires_at LIMIT ${PURGE_BATCH})) AND expires_at <= $1`,
    };
  }

  /**
   * Creates the table and its indexes if they do not exist, and adds the
   * columns a table made by an earlier version lacks (run it at deploy time).
   */
  async ensureTable(): Promise<void> {
    await this.query(schemaSql(this.table), undefined);
  }

  private query(text: string, values: unknown[] | undefined): Promise<{ rows: any[]; rowCount: number | null }> {
    return withTimeout("postgres", this.timeout, this.pool.query(text, values));
  }

  private check(key: string): string {
    if (typeof key !== "string" || !STORE_KEY.test(key)) throw new SessionStoreError("postgres store: refused a malformed key");
    return key;
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const { rows } = await this.query(this.sql.get, [this.check(key), now]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async create(key: string, r: SessionRecord): Promise<void> {
    await this.query(this.sql.create, [this.check(key), jsonbOf(r.data), r.createdAt, r.lastSeenAt, r.expiresAt, userIdOf(r.userId) ?? null, r.maxAge ?? null]);
  }

  async replace(oldKey: string, newKey: string, r: SessionRecord, now: number): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.replace, [
      this.check(oldKey),
      now,
      this.check(newKey),
      jsonbOf(r.data),
      r.createdAt,
      r.lastSeenAt,
      r.expiresAt,
      userIdOf(r.userId) ?? null,
      r.maxAge ?? null,
    ]);
    return rowCount === 1;
  }

  async update(key: string, p: SessionPatch, now: number): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.update, [
      this.check(key),
      now,
      p.clear,
      p.unset.filter(storable),
      p.restore === undefined ? "{}" : jsonbOf(p.restore),
      jsonbOf(p.set),
      p.lastSeenAt,
      p.expiresAt,
      p.userId !== undefined,
      userIdOf(p.userId) ?? null,
      p.maxAge !== undefined,
      p.maxAge ?? null,
    ]);
    return rowCount === 1;
  }

  async take(key: string, fields: string[], now: number): Promise<Record<string, unknown> | null> {
    const { rows } = await this.query(this.sql.take, [this.check(key), now, fields]);
    return rows[0] ? (rows[0].taken as Record<string, unknown>) : null;
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number, now: number, _userId?: string): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.touch, [this.check(key), now, lastSeenAt, expiresAt]);
    return rowCount === 1;
  }

  async delete(key: string): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.delete, [this.check(key)]);
    return rowCount === 1;
  }

  async listByUser(userId: string, now: number): Promise<Array<{ key: string; record: SessionRecord }>> {
    if (!storable(userId)) return [];
    const { rows } = await this.query(this.sql.list, [userId, now]);
    return rows.flatMap((row) => {
      const record = toRecord(row);
      return record ? [{ key: row.id as string, record }] : [];
    });
  }

  async deleteByUser(userId: string, exceptKey: string | undefined, now: number): Promise<number> {
    if (!storable(userId)) return 0;
    const { rowCount } = await this.query(this.sql.deleteUser, [userId, exceptKey ?? "", now]);
    return rowCount ?? 0;
  }

  /**
   * Deletes expired rows a batch at a time, each batch its own statement, so
   * no statement locks many rows or runs for long; stops at the first batch
   * that was not full.
   */
  async purge(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = (await this.query(this.sql.purge, [now])).rowCount ?? 0;
      total += deleted;
      if (deleted < PURGE_BATCH) return total;
    }
  }
}

interface Row {
  data: unknown;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  user_id: string | null;
  max_age: number | null;
}

/** The row as a record; null for a row whose data is no JSON object (another tool wrote it): no session, as the file store reads a file it cannot. */
function toRecord(row: Row): SessionRecord | null {
  if (typeof row.data !== "object" || row.data === null || Array.isArray(row.data)) return null;
  // pg returns bigint as text, integer as a number, jsonb as parsed JSON.
  return {
    data: row.data as Record<string, unknown>,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    userId: row.user_id ?? undefined,
    maxAge: row.max_age ?? undefined,
  };
}
