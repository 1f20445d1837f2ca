import { randomBytes } from "node:crypto";
import { SessionStoreError } from "../errors.js";
import { checkPool, checkTable, checkTimeout, type PgQueryable } from "./postgres.js";
import type { RevocationStore } from "./revocation-store.js";
import { withTimeout } from "./with-timeout.js";

export interface PostgresRevocationStoreOptions {
  /** Your `pg` Pool. */
  pool: PgQueryable;
  /** The table, optionally schema-qualified. Default `"tessera_revocations"`. */
  table?: string | undefined;
  /** A query that takes longer fails with `SessionStoreError` (ms). Default 5000. */
  timeout?: number | undefined;
  /** The clock, in milliseconds since the epoch (tests pass a fake one). */
  now?: (() => number) | undefined;
}

/** The table, also in the README as migration SQL: `expires_at` is epoch milliseconds, null for a key kept for good. */
export function revocationSchemaSql(table = "tessera_revocations"): string {
  checkTable(table, "tessera_revocations");
  const index = table.replace(".", "_");
  return `CREATE TABLE IF NOT EXISTS ${table} (
  key text PRIMARY KEY,
  generation bigint NOT NULL,
  expires_at bigint
);
CREATE INDEX IF NOT EXISTS ${index}_expires_at ON ${table} (expires_at) WHERE expires_at IS NOT NULL;`;
}

/**
 * Revocations of cookie sessions in a PostgreSQL table, through your own `pg`
 * pool: a row per user who was ever logged out everywhere, and one per revoked
 * session until it would have expired (`purge()` removes those).
 */
export class PostgresRevocationStore implements RevocationStore {
  readonly table: string;
  readonly #pool: PgQueryable;
  readonly #timeout: number;
  readonly #now: () => number;
  readonly #sql: Record<"get" | "raise" | "purge" | "incarnation", string>;

  constructor(options: PostgresRevocationStoreOptions) {
    this.#pool = checkPool(options?.pool);
    this.table = options.table ?? "tessera_revocations";
    checkTable(this.table, "tessera_revocations");
    this.#timeout = checkTimeout(options.timeout ?? 5000);
    this.#now = options.now ?? Date.now;
    const t = this.table;
    this.#sql = {
      get: `SELECT key, generation FROM ${t} WHERE key = ANY($1::text[]) AND (expires_at IS NULL OR expires_at > $2)`,
      // A row whose time ran out starts again at 1; one kept for good stays so.
      raise: `INSERT INTO ${t} AS r (key, generation, expires_at) VALUES ($1, 1, $2)
        ON CONFLICT (key) DO UPDATE SET
          generation = CASE WHEN r.expires_at IS NOT NULL AND r.expires_at <= $3 THEN 1 ELSE r.generation + 1 END,
          expires_at = CASE WHEN r.expires_at IS NULL OR $2::bigint IS NULL THEN NULL ELSE greatest(r.expires_at, $2::bigint) END
        RETURNING generation`,
      purge: `DELETE FROM ${t} WHERE expires_at <= $1`,
      // A row of its own, kept for good: its generation is a random number made by the first process that asks.
      incarnation: `WITH made AS (INSERT INTO ${t} (key, generation, expires_at) VALUES ('#incarnation', $1, NULL) ON CONFLICT (key) DO NOTHING RETURNING generation)
        SELECT generation FROM made UNION ALL SELECT generation FROM ${t} WHERE key = '#incarnation'`,
    };
  }

  /** Creates the table if it does not exist (run it at deploy time). */
  async ensureTable(): Promise<void> {
    await this.#query(revocationSchemaSql(this.table), undefined);
  }

  async generations(keys: readonly string[]): Promise<number[]> {
    const { rows } = await this.#query(this.#sql.get, [keys, this.#now()]);
    const found = new Map<string, number>(rows.map((row: { key: string; generation: string | number }) => [row.key, Number(row.generation)]));
    return keys.map((key) => found.get(key) ?? 0);
  }

  async raise(key: string, ttl: number | undefined): Promise<number> {
    const now = this.#now();
    const { rows } = await this.#query(this.#sql.raise, [key, ttl === undefined ? null : now + ttl * 1000, now]);
    return Number(rows[0].generation);
  }

  async incarnation(): Promise<string> {
    // A row another transaction inserts meanwhile is neither made here nor seen by this statement: ask again.
    for (let tries = 0; tries < 3; tries++) {
      const made = Number.parseInt(randomBytes(6).toString("hex"), 16) + 1;
      const { rows } = await this.#query(this.#sql.incarnation, [made]);
      if (rows.length > 0) return Number(rows[0].generation).toString(36);
    }
    throw new SessionStoreError("postgres revocation store: the incarnation row keeps disappearing");
  }

  /** Deletes the rows whose time ran out; returns how many. */
  async purge(): Promise<number> {
    const { rowCount } = await this.#query(this.#sql.purge, [this.#now()]);
    return rowCount ?? 0;
  }

  #query(text: string, values: unknown[] | undefined): Promise<{ rows: any[]; rowCount: number | null }> {
    return withTimeout("postgres", this.#timeout, this.#pool.query(text, values));
  }
}
