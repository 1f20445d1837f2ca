import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { SECRET_A, cookiePair, fakeClock, freePort } from "../../../test/helpers.js";
import { SessionConfigError, SessionStoreError, SessionValueError } from "../errors.js";
import { DATABASE_URL, need } from "../../../test/services.js";
import { TcpProxy } from "../../../test/tcp-proxy.js";
import { incrementFromTwoProcesses } from "../../../test/cross-process.js";
import { survivesOutage } from "../../../test/outage.js";
import { createPostgresSessionStorage } from "../../postgres.js";
import { PostgresStore, schemaSql } from "./postgres.js";
import type { SessionPatch, SessionRecord } from "./store.js";

const skip = await need("PostgreSQL");
const table = `tessera_test_${randomBytes(5).toString("hex")}`;
const oldTable = `${table}_old`;
let pool: pg.Pool;
let store: PostgresStore;
before(async () => {
  if (skip) return;
  pool = new pg.Pool({ connectionString: DATABASE_URL, max: 5 });
  store = new PostgresStore({ pool, table });
  await store.ensureTable();
});
after(async () => {
  if (!pool) return;
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.query(`DROP TABLE IF EXISTS ${oldTable}`);
  await pool.end();
});

const NOW = Date.UTC(2026, 0, 1);
let n = 0;
/** A fresh store key for each use: 43 base64url characters, the last with its unused bits zero, as a digest's. */
const fresh = () => `${`k${String(++n).padStart(6, "0")}${randomBytes(27).toString("base64url")}`.slice(0, 42)}A`;
const rec = (changes: Partial<SessionRecord> = {}): SessionRecord => ({ data: { a: 1 }, createdAt: NOW, lastSeenAt: NOW, expiresAt: NOW + 3_600_000, userId: undefined, maxAge: undefined, ...changes });
const patch = (changes: Partial<SessionPatch>): SessionPatch => ({ clear: false, set: {}, unset: [], lastSeenAt: NOW, expiresAt: NOW + 3_600_000, ...changes });

describe("postgres store", { skip }, () => {
  test("the schema has the id hash as key, jsonb data, and indexes on expiry and user", async () => {
    const { rows } = await pool.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position", [table]);
    assert.deepEqual(rows.map((r) => `${r.column_name} ${r.data_type}`), [
      "id text", "data jsonb", "created_at bigint", "last_seen_at bigint", "expires_at bigint", "user_id text", "max_age integer",
    ]);
    const indexes = (await pool.query("SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname", [table])).rows.map((r) => r.indexname);
    assert.deepEqual(indexes, [`${table}_expires_at`, `${table}_pkey`, `${table}_user_id`]);
    assert.match(schemaSql("app.sessions"), /CREATE TABLE IF NOT EXISTS app\.sessions/);
  });

  test("ensureTable() upgrades a table made by the previous schema, keeping its rows", async () => {
    await pool.query(`CREATE TABLE ${oldTable} (id text PRIMARY KEY, data jsonb NOT NULL, created_at bigint NOT NULL,
      last_seen_at bigint NOT NULL, expires_at bigint NOT NULL, user_id text)`);
    const k = fresh();
    await pool.query(`INSERT INTO ${oldTable} VALUES ($1, '{"kept":true}', $2, $2, $3, 'u1')`, [k, NOW, NOW + 60_000]);
    const upgraded = new PostgresStore({ pool, table: oldTable });
    await upgraded.ensureTable();
    await upgraded.ensureTable();
    assert.deepEqual(await upgraded.get(k, NOW), rec({ data: { kept: true }, expiresAt: NOW + 60_000, userId: "u1" }));
    assert.equal(await upgraded.update(k, patch({ maxAge: 600 }), NOW), true);
    assert.equal((await upgraded.get(k, NOW))?.maxAge, 600);
  });

  test("a bad table name never reaches SQL", () => {
    for (const bad of ["x; DROP TABLE users", "Sessions", "a.b.c", "", "1x", 7]) {
      assert.throws(
        () => new PostgresStore({ pool, table: bad as string }),
        (e: unknown) => e instanceof SessionConfigError && e.message.startsWith(`option table is invalid: ${JSON.stringify(bad)}; use a lower-case name`),
      );
    }
    assert.throws(() => schemaSql("Sessions"), SessionConfigError);
  });

  test("a missing pool or a bad timeout is a SessionConfigError naming the option", () => {
    for (const bad of [undefined, null, {}, { query: "SELECT 1" }, "postgres://x"]) {
      assert.throws(
        () => new PostgresStore({ pool: bad as unknown as pg.Pool }),
        (e: unknown) => e instanceof SessionConfigError && /^option pool is invalid: .*; use a pg Pool/.test(e.message) && !e.message.includes("postgres://x"),
      );
    }
    assert.throws(() => new PostgresStore(undefined as never), (e: unknown) => e instanceof SessionConfigError && /option pool/.test(e.message));
    assert.throws(
      () => createPostgresSessionStorage({ cookie: { secrets: [SECRET_A] } } as never),
      (e: unknown) => e instanceof SessionConfigError && e.message.startsWith("option pool is invalid: undefined;"),
    );
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, "5000", 2 ** 31]) {
      assert.throws(
        () => new PostgresStore({ pool, timeout: bad as number }),
        (e: unknown) => e instanceof SessionConfigError && e.message === `option timeout is invalid: ${String(bad)}; use a whole number of milliseconds from 1 to 2147483647`,
      );
    }
  });

  test("a failed query is a SessionStoreError that names neither the server nor the driver's message", async () => {
    const port = await freePort();
    const down = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/test`, max: 1 });
    try {
      const unreachable = new PostgresStore({ pool: down, table });
      await assert.rejects(unreachable.get(fresh(), NOW), (e: unknown) => {
        assert.ok(e instanceof SessionStoreError);
        assert.doesNotMatch(e.message, new RegExp(`127\\.0\\.0\\.1|${port}|ECONNREFUSED`));
        assert.match(String((e.cause as Error).message), /ECONNREFUSED/);
        return true;
      });
    } finally {
      await down.end();
    }
  });

  test("replace of a live record moves it in one statement", async () => {
    const [a, b] = [fresh(), fresh()];
    await store.create(a, rec({ userId: "mover" }));
    const next = rec({ data: { cart: [1] }, lastSeenAt: NOW + 1000, expiresAt: NOW + 60_000, userId: "mover", maxAge: 3600 });
    assert.equal(await store.replace(a, b, next, NOW), true);
    assert.equal(await store.get(a, NOW), null);
    assert.deepEqual(await store.get(b, NOW), next);
    assert.deepEqual((await store.listByUser("mover", NOW)).map((x) => x.key), [b]);
  });

  test("of two concurrent replaces of one record, exactly one creates its new record", async () => {
    const [a, b, c] = [fresh(), fresh(), fresh()];
    await store.create(a, rec());
    const won = await Promise.all([store.replace(a, b, rec({ data: { by: "b" } }), NOW), store.replace(a, c, rec({ data: { by: "c" } }), NOW)]);
    assert.deepEqual(won.sort(), [false, true]);
    const { rows } = await pool.query(`SELECT data FROM ${table} WHERE id = ANY($1)`, [[a, b, c]]);
    assert.equal(rows.length, 1);
  });

  test("replace of a deleted or an expired record returns false and creates nothing", async () => {
    const [a, b, c, d] = [fresh(), fresh(), fresh(), fresh()];
    await store.create(a, rec());
    await store.delete(a);
    assert.equal(await store.replace(a, b, rec({ userId: "ghost" }), NOW), false);
    await store.create(c, rec({ expiresAt: NOW + 1000 }));
    assert.equal(await store.replace(c, d, rec({ userId: "ghost" }), NOW + 1000), false);
    const { rows } = await pool.query(`SELECT id FROM ${table} WHERE id = ANY($1)`, [[b, d]]);
    assert.deepEqual(rows, []);
  });

  test("log out everywhere while one of the user's sessions is regenerating ends that session too (its new id included)", async () => {
    // A slow commit of the login (a busy server), made slow by a trigger on a table of this test's own:
    // "log out everywhere" starts while the login's statement holds the row, and must see where it went.
    const slow = `${table}_slow`;
    await pool.query(schemaSql(slow));
    await pool.query(`CREATE FUNCTION ${slow}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.4); RETURN NEW; END $$`);
    await pool.query(`CREATE TRIGGER slow AFTER INSERT OR UPDATE ON ${slow} FOR EACH ROW WHEN (NEW.data ? 'slow') EXECUTE FUNCTION ${slow}()`);
    try {
      const storage = createPostgresSessionStorage<{ userId: string; slow?: true }>({ pool, table: slow, userKey: "userId", cookie: { secrets: [SECRET_A], name: "sid" } });
      const signedIn = await storage.read(null);
      signedIn.set("userId", "ann");
      const cookie = cookiePair(await storage.save(signedIn));
      const stepUp = await storage.read(cookie);
      stepUp.regenerateId();
      stepUp.set("slow", true);
      const login = storage.save(stepUp);
      await new Promise((r) => setTimeout(r, 150));
      await storage.destroyAllSessions("ann");
      const reissued = await login;
      assert.equal((await storage.read(cookiePair(reissued))).get("userId"), undefined, "the regenerated session was ended");
      assert.deepEqual(await storage.listSessions("ann"), []);
      assert.deepEqual((await pool.query(`SELECT id FROM ${slow}`)).rows, []);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${slow}`);
      await pool.query(`DROP FUNCTION IF EXISTS ${slow}()`);
    }
  });

  test("a replace whose new record PostgreSQL refuses, or whose new key is taken, leaves the old record untouched", async () => {
    const [a, b, taken] = [fresh(), fresh(), fresh()];
    await store.create(a, rec({ data: { keep: 1 }, userId: "stay" }));
    await assert.rejects(store.replace(a, b, rec({ expiresAt: 1e20 }), NOW), SessionStoreError, "bigint out of range");
    await store.create(taken, rec({ data: { other: true } }));
    await assert.rejects(store.replace(a, taken, rec({ data: { mine: true } }), NOW), SessionStoreError);
    assert.deepEqual(await store.get(a, NOW), rec({ data: { keep: 1 }, userId: "stay" }));
    assert.equal(await store.get(b, NOW), null);
    assert.deepEqual((await store.get(taken, NOW))?.data, { other: true });
  });

  test("restore puts a value back only where its key is absent after clear and unset, before set", async () => {
    const k = fresh();
    await store.create(k, rec({ data: { b: "other", d: 4 } }));
    assert.equal(await store.update(k, patch({ unset: ["d"], restore: { a: 1, b: 2, c: 3, d: 5 }, set: { c: 9 } }), NOW), true);
    assert.deepEqual((await store.get(k, NOW))?.data, { b: "other", a: 1, c: 9, d: 5 });
    assert.equal(await store.update(k, patch({ clear: true, restore: { a: 7, b: 8 }, set: { b: 0 } }), NOW), true);
    assert.deepEqual((await store.get(k, NOW))?.data, { a: 7, b: 0 });
  });

  test("maxAge is kept with the record, changed or removed by a patch, and left alone without one", async () => {
    const k = fresh();
    await store.create(k, rec({ userId: "remember", maxAge: 3600 }));
    assert.equal((await store.get(k, NOW))?.maxAge, 3600);
    await store.update(k, patch({ set: { x: 1 } }), NOW);
    assert.equal((await store.get(k, NOW))?.maxAge, 3600);
    await store.update(k, patch({ maxAge: 60 }), NOW);
    assert.deepEqual((await store.listByUser("remember", NOW)).map((x) => x.record.maxAge), [60]);
    await store.update(k, patch({ maxAge: null }), NOW);
    assert.equal((await store.get(k, NOW))?.maxAge, undefined);
  });

  test("touch takes the owner and ignores it", async () => {
    const k = fresh();
    await store.create(k, rec({ userId: "u1" }));
    assert.equal(await store.touch(k, NOW + 5000, NOW + 7_200_000, NOW, "u1"), true);
    assert.equal((await store.get(k, NOW))?.expiresAt, NOW + 7_200_000);
    assert.equal(await store.touch(fresh(), NOW, NOW + 1000, NOW, "u1"), false);
  });

  const wide = () => Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`key${i}`, i]));
  const big = () => ({ blob: "x".repeat(1024 * 1024) });
  for (const [name, data] of [["10,000 keys", wide], ["a 1 MB value", big]] as const) {
    test(`a session of ${name} is created, patched, replaced and read back`, async () => {
      const [a, b] = [fresh(), fresh()];
      await store.create(a, rec({ data: data() }));
      assert.deepEqual((await store.get(a, NOW))?.data, data());
      assert.equal(await store.update(a, patch({ set: { more: true }, unset: ["key1"] }), NOW), true);
      const patched: Record<string, unknown> = { ...data(), more: true };
      delete patched.key1;
      assert.deepEqual((await store.get(a, NOW))?.data, patched);
      assert.equal(await store.replace(a, b, rec({ data: { ...data(), moved: 1 } }), NOW), true);
      assert.deepEqual((await store.get(b, NOW))?.data, { ...data(), moved: 1 });
      assert.equal(await store.get(a, NOW), null);
    });
  }

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

  test("purge() deletes in statements of at most 5,000 rows each, until none is left, and returns the total", async () => {
    const own = `${table}_purge`;
    const statements: number[] = [];
    const counting = {
      async query(text: string, values?: unknown[]) {
        const result = await pool.query(text, values);
        if (/^\s*DELETE/i.test(text)) statements.push(result.rowCount ?? 0);
        return result;
      },
    };
    const purging = new PostgresStore({ pool: counting, table: own });
    await purging.ensureTable();
    try {
      await pool.query(
        `INSERT INTO ${own} (id, data, created_at, last_seen_at, expires_at)
         SELECT 'k' || lpad(i::text, 42, '0'), '{}', $1::bigint, $1::bigint, $1::bigint + CASE WHEN i <= 12001 THEN 1000 ELSE 3600000 END
         FROM generate_series(1, 12011) AS i`,
        [NOW],
      );
      assert.equal(await purging.purge(NOW + 1000), 12_001);
      assert.deepEqual(statements, [5000, 5000, 2001]);
      assert.equal((await pool.query(`SELECT count(*)::int AS n FROM ${own}`)).rows[0].n, 10, "the live rows stay");
      statements.length = 0;
      assert.equal(await purging.purge(NOW + 1000), 0);
      assert.deepEqual(statements, [0]);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${own}`);
    }
  });

  test("a purge that meets a row a concurrent touch is extending keeps it", async () => {
    const k = fresh();
    await store.create(k, rec({ expiresAt: NOW + 1000 }));
    const other = await pool.connect();
    try {
      // Another process's touch, its UPDATE not yet committed: purge has to wait for it, then see the new expiry.
      await other.query("BEGIN");
      await other.query(`UPDATE ${table} SET last_seen_at = $2, expires_at = $3 WHERE id = $1`, [k, NOW + 500, NOW + 3_600_000]);
      const touching = (await other.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
      let finished = false;
      const purged = store.purge(NOW + 1000).finally(() => (finished = true));
      // Commits once the purge is blocked by the touch's row lock (or is done, had it not waited), as the server reports it.
      const blocked = async () =>
        (await pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", [touching])).rows[0].n > 0;
      while (!finished && !(await blocked())) await new Promise((r) => setTimeout(r, 5));
      await other.query("COMMIT");
      await purged;
    } finally {
      other.release();
    }
    assert.equal((await store.get(k, NOW + 1000))?.expiresAt, NOW + 3_600_000);
  });

  test("a row whose data is not a JSON object (another tool wrote it) reads as a fresh session, and is not listed", async () => {
    const storage = createPostgresSessionStorage({ pool, table, userKey: "userId", cookie: { secrets: [SECRET_A], name: "sid" } });
    for (const bad of ["null", '"text"', "[1,2]", "42"]) {
      const s = await storage.read(null);
      s.set("userId", "garbled");
      const cookie = cookiePair(await storage.save(s));
      await pool.query(`UPDATE ${table} SET data = $1::jsonb WHERE user_id = 'garbled'`, [bad]);
      const again = await storage.read(cookie);
      assert.deepEqual([again.isNew, again.entries()], [true, []], bad);
      assert.deepEqual(await storage.listSessions("garbled"), [], bad);
      assert.equal(await storage.destroyAllSessions("garbled"), 1, bad);
    }
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

  test("a value or user id holding U+0000, which PostgreSQL cannot store, is a TypeError naming it, and the stored session is kept", async () => {
    const storage = createPostgresSessionStorage({ pool, table, userKey: "userId", cookie: { secrets: [SECRET_A] } });
    const first = await storage.read(null);
    first.set("userId", "ann");
    const cookie = cookiePair(await storage.save(first));
    const refused = async (change: (s: Awaited<ReturnType<typeof storage.read>>) => void, message: string) => {
      const s = await storage.read(cookie);
      change(s);
      await assert.rejects(storage.save(s), (e: unknown) => e instanceof SessionValueError && e instanceof TypeError && e.message === message);
    };
    const nul = "PostgreSQL cannot store U+0000 (jsonb and text refuse it)";
    await refused((s) => s.set("note", "a\u0000b"), `postgres: the session value "note" holds U+0000: ${nul}`);
    await refused((s) => s.set("deep", { list: ["x", { y: "\u0000" }] }), `postgres: the session value "deep" holds U+0000: ${nul}`);
    await refused((s) => s.set("a\u0000b", 1), `postgres: the session key "a\\u0000b" holds U+0000: ${nul}`);
    await refused((s) => s.flash("notice", "\u0000"), `postgres: the session value "__flash_notice__" holds U+0000: ${nul}`);
    // The user id is a session value too: it is named as one.
    await refused((s) => s.set("userId", "ann\u0000"), `postgres: the session value "userId" holds U+0000: ${nul}`);
    // A key or a user id holding U+0000 was never stored: unsetting it, listing or logging it out finds nothing.
    const unset = await storage.read(cookie);
    unset.unset("a\u0000b");
    unset.set("seen", true);
    await storage.save(unset);
    assert.equal((await storage.read(cookie)).get("seen"), true);
    assert.deepEqual(await storage.listSessions("ann\u0000"), []);
    assert.equal(await storage.destroyAllSessions("ann\u0000"), 0);
    await refused((s) => {
      s.regenerateId();
      s.set("note", "\u0000");
    }, `postgres: the session value "note" holds U+0000: ${nul}`);
    const kept = await storage.read(cookie);
    assert.equal(kept.isNew, false);
    assert.deepEqual(Object.fromEntries(kept.entries()), { userId: "ann", seen: true });
    // The six characters \u0000 are ordinary text, and a new session with a NUL is refused before anything is stored.
    kept.set("note", "\\u0000 \\\\u0000");
    await storage.save(kept);
    assert.equal((await storage.read(cookie)).get("note"), "\\u0000 \\\\u0000");
    const brandNew = await storage.read(null);
    brandNew.set("note", "\u0000");
    await assert.rejects(storage.save(brandNew), { message: `postgres: the session value "note" holds U+0000: ${nul}` });
    assert.equal((await storage.listSessions("ann")).length, 1);
    // The store itself, called directly, names a user id it cannot keep.
    await assert.rejects(store.create(fresh(), rec({ userId: "b\u0000" })), { name: "SessionValueError", message: `postgres: the user id "b\\u0000" holds U+0000: ${nul}` });
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
