// Two server processes, each receiving concurrent HTTP requests for one
// session, through a shared file directory, Redis and PostgreSQL.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import pg from "pg";
import { SECRET_A, eventually } from "./helpers.js";
import { keysUnder } from "./redis-clients.js";
import { startServer, type ServerProcess } from "./server-process.js";
import { DATABASE_URL, REDIS_URL, need } from "./services.js";

const redisSkip = await need("Redis");
const pgSkip = await need("PostgreSQL");

/** Two race-server processes over one store; `cleanup` removes what the store kept. */
function twoServers(kind: string, place: () => Promise<{ where: string; name: string; cleanup(): Promise<void> }>) {
  const servers: ServerProcess[] = [];
  let cleanup = async () => {};
  before(async () => {
    const p = await place();
    cleanup = p.cleanup;
    const args = ["--import", "tsx", "test/fixtures/race-server.ts", kind, p.where, p.name];
    servers.push(...(await Promise.all([startServer(args, { SECRET: SECRET_A }), startServer(args, { SECRET: SECRET_A })])));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await cleanup();
  });
  return { a: () => servers[0]!.url, b: () => servers[1]!.url };
}

async function post(url: string, cookie?: string): Promise<Response> {
  return fetch(url, { method: "POST", headers: cookie ? { cookie } : {} });
}

async function show(url: string, cookie: string): Promise<{ notice: string | null; user: string | null; keys: string[] }> {
  return (await fetch(`${url}show`, { headers: { cookie } })).json();
}

async function signIn(url: string): Promise<string> {
  const res = await post(`${url}signin`);
  assert.equal(res.status, 200);
  return res.headers.getSetCookie()[0]!.split(";")[0]!;
}

/** The checks, the same for every shared store. */
function races(servers: { a(): string; b(): string }) {
  test("different keys set by concurrent requests on both servers are all kept", async () => {
    const cookie = await signIn(servers.a());
    const requests = [];
    for (let i = 0; i < 30; i++) {
      requests.push(post(`${servers.a()}set?key=a${i}`, cookie), post(`${servers.b()}set?key=b${i}`, cookie));
    }
    const responses = await Promise.all(requests);
    assert.deepEqual(new Set(responses.map((r) => r.status)), new Set([200]));
    for (const r of responses) assert.deepEqual(await r.json(), { isNew: false }, "every request found the session");
    const expected = ["user", ...Array.from({ length: 30 }, (_, i) => [`a${i}`, `b${i}`]).flat()].sort();
    assert.deepEqual((await show(servers.a(), cookie)).keys, expected);
    assert.deepEqual((await show(servers.b(), cookie)).keys, expected);
  });

  test("a flash is shown by exactly one of many concurrent requests on both servers", async () => {
    const cookie = await signIn(servers.a());
    for (let round = 0; round < 5; round++) {
      assert.equal((await post(`${servers.b()}flash?value=hello-${round}`, cookie)).status, 200);
      const seen = await Promise.all(Array.from({ length: 12 }, (_, i) => show(i % 2 ? servers.a() : servers.b(), cookie)));
      assert.deepEqual(
        seen.map((s) => s.notice).filter((n) => n !== null),
        [`hello-${round}`],
        `round ${round}: shown once`,
      );
      assert.ok(seen.every((s) => s.user === "ann"), "the session itself is untouched");
    }
  });

  test("a logout on one server is not undone by requests in flight on the other", async () => {
    const cookie = await signIn(servers.a());
    const inFlight = Array.from({ length: 8 }, (_, i) => post(`${servers.a()}held?key=late${i}`, cookie));
    // Every held request has read the live session before the logout.
    const held = await eventually(async () => ((await (await fetch(`${servers.a()}held`)).json()) === 8 ? true : undefined));
    assert.equal(held, true, "all eight requests are held");
    const logout = await post(`${servers.b()}logout`, cookie);
    assert.equal(logout.status, 200);
    assert.match(logout.headers.getSetCookie()[0]!, /^sid=; .*Max-Age=0/);
    assert.equal((await post(`${servers.a()}release`)).status, 200);
    for (const res of await Promise.all(inFlight)) {
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { isNew: false }, "it had read the live session");
      assert.deepEqual(res.headers.getSetCookie(), [], "and sets no cookie: it writes nothing and leaves the logout's");
    }
    for (const url of [servers.a(), servers.b()]) {
      assert.deepEqual(await show(url, cookie), { notice: null, user: null, keys: [] }, "still signed out");
    }
  });
}

describe("races between two server processes: file store", () => {
  races(
    twoServers("file", async () => {
      const dir = await mkdtemp(join(tmpdir(), "tessera-races-"));
      return { where: dir, name: "-", cleanup: () => rm(dir, { recursive: true, force: true }) };
    }),
  );
});

describe("races between two server processes: Redis", { skip: redisSkip }, () => {
  races(
    twoServers("redis", async () => {
      const prefix = `tessera-test-races:${randomBytes(4).toString("hex")}:`;
      return {
        where: REDIS_URL,
        name: prefix,
        async cleanup() {
          const redis = new Redis(REDIS_URL);
          const keys = await keysUnder(redis, prefix);
          if (keys.length) await redis.del(...keys);
          redis.disconnect();
        },
      };
    }),
  );
});

describe("races between two server processes: PostgreSQL", { skip: pgSkip }, () => {
  races(
    twoServers("postgres", async () => {
      const table = `tessera_test_races_${randomBytes(4).toString("hex")}`;
      const pool = new pg.Pool({ connectionString: DATABASE_URL });
      const { schemaSql } = await import("../src/lib/stores/postgres.js");
      await pool.query(schemaSql(table));
      return { where: DATABASE_URL, name: table, cleanup: async () => void (await pool.query(`DROP TABLE ${table}`), await pool.end()) };
    }),
  );
});
