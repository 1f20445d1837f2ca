import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { SECRET_A, cookiePair, fakeClock } from "../../test/helpers.js";
import { DATABASE_URL, need } from "../../test/services.js";
import { TcpProxy } from "../../test/tcp-proxy.js";
import { incrementFromTwoProcesses } from "../../test/cross-process.js";
import { survivesOutage } from "../../test/outage.js";
import { createPostgresSessionStorage } from "../postgres.js";
import { PostgresStore, schemaSql } from "./postgres.js";

const skip = await need("PostgreSQL");
const table = `tessera_test_${randomBytes(5).toString("hex")}`;
let pool: pg.Pool;
before(async () => {
  if (skip) return;
  pool = new pg.Pool({ connectionString: DATABASE_URL, max: 5 });
  await new PostgresStore({ pool, table }).ensureTable();
});
after(async () => {
  if (!pool) return;
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.end();
});

describe("postgres store", { skip }, () => {
  test("the schema has the id hash as key, jsonb data, and indexes on expiry and user", async () => {
    const { rows } = await pool.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position", [table]);
    assert.deepEqual(rows.map((r) => `${r.column_name} ${r.data_type}`), [
      "id text", "data jsonb", "created_at bigint", "last_seen_at bigint", "expires_at bigint", "user_id text",
    ]);
    const indexes = (await pool.query("SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname", [table])).rows.map((r) => r.indexname);
    assert.deepEqual(indexes, [`${table}_expires_at`, `${table}_pkey`, `${table}_user_id`]);
    assert.match(schemaSql("app.sessions"), /CREATE TABLE IF NOT EXISTS app\.sessions/);
  });

  test("a bad table name never reaches SQL", () => {
    for (const bad of ["x; DROP TABLE users", "Sessions", "a.b.c", "", "1x"]) {
      assert.throws(() => new PostgresStore({ pool, table: bad }), /option table is invalid/);
    }
  });

  test("expired rows are never returned, and purge() removes them", async () => {
    const clock = fakeClock(Date.now());
    const storage = createPostgresSessionStorage({ pool, table, cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: 60, touchInterval: 10 });
    const cookies = [];
    for (let i = 0; i < 3; i++) {
      const s = await storage.read(null);
      s.set("i", i);
      cookies.push(cookiePair(await storage.save(s)));
    }
    clock.advance(61);
    assert.equal((await storage.read(cookies[0]!)).isNew, true);
    assert.ok((await storage.purge()) >= 3);
    assert.equal((await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE expires_at <= $1`, [clock.now()])).rows[0].n, 0);
  });

  test("SQL metacharacters in values and user ids are data", async () => {
    const storage = createPostgresSessionStorage({ pool, table, userKey: "userId", cookie: { secrets: [SECRET_A] } });
    const s = await storage.read(null);
    s.set("userId", "' OR 1=1; DROP TABLE x; --");
    s.set("note", "$1 $$ \\ ' \"");
    const cookie = cookiePair(await storage.save(s));
    const back = await storage.read(cookie);
    assert.equal(back.get("note"), "$1 $$ \\ ' \"");
    assert.equal((await storage.listSessions("' OR 1=1; DROP TABLE x; --")).length, 1);
  });

  test("two processes sharing one PostgreSQL increment different keys and lose nothing", async () => {
    const storage = createPostgresSessionStorage({ pool, table, cookie: { secrets: [SECRET_A], name: "sid" } });
    await incrementFromTwoProcesses(storage, "postgres", DATABASE_URL, table, 150);
  });

  test("an outage: read and save reject with SessionStoreError in bounded time, then the same storage recovers", async () => {
    const { hostname, port } = new URL(DATABASE_URL);
    const proxy = new TcpProxy({ host: hostname, port: Number(port || 5432) });
    await proxy.start();
    const url = new URL(DATABASE_URL);
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    const proxied = new pg.Pool({ connectionString: url.toString(), max: 2, connectionTimeoutMillis: 1000 });
    proxied.on("error", () => {}); // idle clients cut by the outage
    try {
      const storage = createPostgresSessionStorage({ pool: proxied, table, timeout: 2000, cookie: { secrets: [SECRET_A] } });
      await survivesOutage(storage, proxy, 6000);
    } finally {
      await proxy.stop();
      await proxied.end().catch(() => {});
    }
  });
});
