import { SessionStoreError } from "../errors.js";
import { bounded } from "./bounded.js";
import { STORE_KEY, type SessionPatch, type SessionRecord, type SessionStore } from "./store.js";

/** What tessera needs of a `pg` Pool (or Client): parameterised queries. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

export interface PostgresStoreOptions {
  /** Your `pg` Pool. */
  pool: PgQueryable;
  /** The table, optionally schema-qualified. Default `"tessera_sessions"`. */
  table?: string;
  /** A query that takes longer fails with `SessionStoreError` (ms). Default 5000. */
  timeout?: number;
}

/** Unquoted identifiers only: `name` or `schema.name`, lower case. Anything else never reaches SQL. */
const TABLE = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;

/**
 * The schema, also printed in the README as migration SQL. Times are epoch
 * milliseconds (bigint), exactly as the engine counts them. `id` is the SHA-256
 * of the session id, never the id itself.
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
  user_id text
);
CREATE INDEX IF NOT EXISTS ${index}_expires_at ON ${table} (expires_at);
CREATE INDEX IF NOT EXISTS ${index}_user_id ON ${table} (user_id) WHERE user_id IS NOT NULL;`;
}

function checkTable(table: string): void {
  if (typeof table !== "string" || !TABLE.test(table)) {
    throw new TypeError(`option table is invalid: ${JSON.stringify(table)}; use a lower-case name such as "tessera_sessions" or "app.sessions"`);
  }
}

/**
 * Sessions in a PostgreSQL table, through your own `pg` pool. Per-key updates
 * are one statement (`data = data - $removed || $patch`); expired rows are
 * never returned and are removed by `purge()`. Every query is parameterised.
 */
export class PostgresStore implements SessionStore {
  private readonly pool: PgQueryable;
  readonly table: string;
  private readonly timeout: number;
  private readonly sql: Record<"get" | "create" | "update" | "take" | "touch" | "delete" | "list" | "deleteUser" | "purge", string>;

  constructor(options: PostgresStoreOptions) {
    if (!options?.pool || typeof options.pool.query !== "function") {
      throw new TypeError("createPostgresSessionStorage needs { pool }: a pg Pool");
    }
    this.pool = options.pool;
    this.table = options.table ?? "tessera_sessions";
    checkTable(this.table);
    this.timeout = options.timeout ?? 5000;
    const t = this.table;
    const cols = "data, created_at, last_seen_at, expires_at, user_id";
    this.sql = {
      get: `SELECT ${cols} FROM ${t} WHERE id = $1 AND expires_at > $2`,
      create: `INSERT INTO ${t} (id, ${cols}) VALUES ($1, $2, $3, $4, $5, $6)`,
      update: `UPDATE ${t} SET
          data = (CASE WHEN $3 THEN '{}'::jsonb ELSE data - $4::text[] END) || $5::jsonb,
          last_seen_at = $6, expires_at = $7,
          user_id = CASE WHEN $8 THEN $9 ELSE user_id END
        WHERE id = $1 AND expires_at > $2`,
      // The row is locked as it is read: a concurrent take waits, then sees the fields gone.
      take: `WITH old AS (SELECT id, data FROM ${t} WHERE id = $1 AND expires_at > $2 FOR UPDATE),
        gone AS (UPDATE ${t} SET data = ${t}.data - $3::text[] FROM old WHERE ${t}.id = old.id AND old.data ?| $3::text[])
        SELECT (SELECT coalesce(jsonb_object_agg(k, old.data -> k), '{}'::jsonb) FROM unnest($3::text[]) AS k WHERE old.data ? k) AS taken FROM old`,
      touch: `UPDATE ${t} SET last_seen_at = $3, expires_at = $4 WHERE id = $1 AND expires_at > $2`,
      delete: `DELETE FROM ${t} WHERE id = $1`,
      list: `SELECT id, ${cols} FROM ${t} WHERE user_id = $1 AND expires_at > $2`,
      deleteUser: `DELETE FROM ${t} WHERE user_id = $1 AND id <> $2 AND expires_at > $3`,
      purge: `DELETE FROM ${t} WHERE expires_at <= $1`,
    };
  }

  /** Creates the table and its indexes if they do not exist (run it once, at deploy time). */
  async ensureTable(): Promise<void> {
    await this.query(schemaSql(this.table), undefined);
  }

  private query(text: string, values: unknown[] | undefined): Promise<{ rows: any[]; rowCount: number | null }> {
    return bounded("postgres", this.timeout, this.pool.query(text, values));
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
    await this.query(this.sql.create, [this.check(key), JSON.stringify(r.data), r.createdAt, r.lastSeenAt, r.expiresAt, r.userId ?? null]);
  }

  async update(key: string, p: SessionPatch, now: number): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.update, [
      this.check(key),
      now,
      p.clear,
      p.unset,
      JSON.stringify(p.set),
      p.lastSeenAt,
      p.expiresAt,
      p.userId !== undefined,
      p.userId ?? null,
    ]);
    return rowCount === 1;
  }

  async take(key: string, fields: string[], now: number): Promise<Record<string, unknown> | null> {
    const { rows } = await this.query(this.sql.take, [this.check(key), now, fields]);
    return rows[0] ? (rows[0].taken as Record<string, unknown>) : null;
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number, now: number): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.touch, [this.check(key), now, lastSeenAt, expiresAt]);
    return rowCount === 1;
  }

  async delete(key: string): Promise<void> {
    await this.query(this.sql.delete, [this.check(key)]);
  }

  async listByUser(userId: string, now: number): Promise<Array<{ key: string; record: SessionRecord }>> {
    const { rows } = await this.query(this.sql.list, [userId, now]);
    return rows.map((row) => ({ key: row.id as string, record: toRecord(row) }));
  }

  async deleteByUser(userId: string, exceptKey: string | undefined, now: number): Promise<number> {
    const { rowCount } = await this.query(this.sql.deleteUser, [userId, exceptKey ?? "", now]);
    return rowCount ?? 0;
  }

  async purge(now: number): Promise<number> {
    const { rowCount } = await this.query(this.sql.purge, [now]);
    return rowCount ?? 0;
  }
}

function toRecord(row: { data: Record<string, unknown>; created_at: string; last_seen_at: string; expires_at: string; user_id: string | null }): SessionRecord {
  // pg returns bigint as text; jsonb as parsed JSON.
  return {
    data: row.data,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    userId: row.user_id ?? undefined,
  };
}
