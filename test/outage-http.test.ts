// Redis and PostgreSQL (servers of the test's own, stopped and started again)
// go away under HTTP load and come back: requests during
// the outage are 503s that never touch the user's cookie, none waits past the
// store's timeout, and the same server recovers by itself.
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { after, describe, test } from "node:test";
import { Redis } from "ioredis";
import pg from "pg";
import { createClient } from "redis";
import type { IdSessionStorage } from "../src/lib/engine/id-storage.js";
import { withSession, getSession } from "../src/lib/adapters/fetch.js";
import { session, type SessionRequest } from "../src/lib/adapters/node.js";
import { createPostgresSessionStorage, schemaSql } from "../src/postgres.js";
import { createRedisSessionStorage } from "../src/redis.js";
import type { Session } from "../src/lib/session/session.js";
import { SECRET_A, serveFetch } from "./helpers.js";
import { PrivateRedis, needRedisServer } from "./private-redis.js";
import { PrivatePostgres, needPrivatePostgres } from "./private-postgres.js";

const redisSkip = needRedisServer();
const pgSkip = needPrivatePostgres();

/** The store's timeout (ms). A request makes at most two store calls (read, save). */
const TIMEOUT = 400;
const LIMIT = 2 * TIMEOUT + 1500; // plus room for a busy two-core machine
const WORKERS = 6;
const cookie = { secrets: [SECRET_A], name: "sid", secure: false };

/**
 * The application: POST /signin signs "ann" in; GET /?w=<worker>&n=<i> stores
 * n under "w<worker>" for a signed-in user and answers { user, n }, or 401.
 */
function app(s: Session, url: URL): { status: number; body: unknown } {
  if (url.pathname === "/signin") {
    s.set("user", "ann");
    return { status: 200, body: "ok" };
  }
  if (s.get("user") !== "ann") return { status: 401, body: "anonymous" };
  s.set(`w${url.searchParams.get("w")}`, Number(url.searchParams.get("n")));
  return { status: 200, body: { user: s.get("user"), n: Number(url.searchParams.get("n")) } };
}

async function serveNode(storage: IdSessionStorage): Promise<{ url: string; close(): Promise<void> }> {
  const mw = session(storage);
  const server = createServer((req: IncomingMessage, res: ServerResponse) =>
    mw(req, res, (error?: unknown) => {
      if (error) return void res.writeHead((error as { status?: number }).status ?? 500).end();
      const out = app((req as SessionRequest).session, new URL(req.url!, "http://x"));
      res.writeHead(out.status, { "Content-Type": "application/json" }).end(JSON.stringify(out.body));
    }),
  ).listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())) };
}

function serveWithFetch(storage: IdSessionStorage) {
  return serveFetch(
    withSession(storage, async (request) => {
      const out = app(await getSession(request), new URL(request.url));
      return Response.json(out.body, { status: out.status });
    }),
  );
}

interface Hit {
  worker: number;
  n: number;
  status: number;
  ms: number;
  setCookie: string[];
  body: unknown;
  phase: "before" | "outage" | "after";
}

/**
 * Signs in, then `WORKERS` clients send requests back to back: with the store
 * up until every client has had five 200s, down (`outage.stop`) until every
 * client has had three 503s, and up again (`outage.start`) until every client
 * has had five answers in a row that are 200.
 */
async function underLoad(url: string, outage: { stop(): Promise<void>; start(): Promise<void> }) {
  const signin = await fetch(`${url}/signin`, { method: "POST" });
  assert.equal(signin.status, 200);
  const sid = signin.headers.getSetCookie()[0]!.split(";")[0]!;
  const hits: Hit[] = [];
  const answered = new EventEmitter();
  let phase: Hit["phase"] = "before";
  let done = false;
  /** Waits, answer by answer, until every client has had `n` answers of `status` in the current phase (20 s at most). */
  const everyClientHad = async (n: number, status: number) => {
    const had = (w: number) => hits.filter((h) => h.worker === w && h.phase === phase && h.status === status).length >= n;
    const signal = AbortSignal.timeout(20_000);
    while (!Array.from({ length: WORKERS }, (_, w) => had(w)).every(Boolean)) {
      await once(answered, "hit", { signal }).catch(() => {
        throw new Error(`not every client had ${n} answers of ${status} in the "${phase}" phase within 20 s`);
      });
    }
  };
  const worker = async (w: number) => {
    let streak = 0;
    for (let n = 1; !done; n++) {
      const started = performance.now();
      const res = await fetch(`${url}/?w=${w}&n=${n}`, { headers: { cookie: sid }, signal: AbortSignal.timeout(10_000) });
      const body = await res.json().catch(() => null);
      hits.push({ worker: w, n, status: res.status, ms: performance.now() - started, setCookie: res.headers.getSetCookie(), body, phase });
      answered.emit("hit");
      streak = phase === "after" && res.status === 200 ? streak + 1 : 0;
      if (streak >= 5) return;
    }
  };
  const running = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  try {
    await everyClientHad(5, 200);
    await outage.stop();
    phase = "outage";
    await everyClientHad(3, 503);
    await outage.start();
    phase = "after";
  } catch (error) {
    done = true;
    await running;
    throw error;
  }
  const deadline = setTimeout(() => (done = true), 20_000);
  await running;
  clearTimeout(deadline);
  return { sid, hits };
}

/** What must hold of every run, whichever store and integration; a one-line summary. */
async function check(storage: IdSessionStorage, run: Awaited<ReturnType<typeof underLoad>>): Promise<string> {
  const { sid, hits } = run;
  const statuses = new Set(hits.map((h) => h.status));
  assert.deepEqual([...statuses].sort(), [200, 503], "only 200s and 503s: never a 401 (anonymous), never a 500");
  assert.ok(hits.some((h) => h.phase === "before" && h.status === 200), "served before the outage");
  assert.ok(hits.some((h) => h.phase === "outage" && h.status === 503), "503s during the outage");
  for (const h of hits) {
    assert.ok(h.ms < LIMIT, `answered in ${Math.round(h.ms)} ms (limit ${LIMIT})`);
    if (h.status === 503) assert.deepEqual(h.setCookie, [], "a 503 never sets or clears the cookie");
    else assert.deepEqual(h.body, { user: "ann", n: h.n }, "a 200 is always the signed-in session");
  }
  // Recovered: every client ended on five 200s in a row.
  for (let w = 0; w < WORKERS; w++) {
    const mine = hits.filter((h) => h.worker === w);
    assert.deepEqual(mine.slice(-5).map((h) => h.status), [200, 200, 200, 200, 200], `client ${w} recovered`);
  }
  // Nothing lost: the session holds the user and each client's last answered value.
  const stored = await storage.read(sid);
  assert.equal(stored.get("user"), "ann");
  for (let w = 0; w < WORKERS; w++) {
    const last = hits.filter((h) => h.worker === w && h.status === 200).at(-1)!;
    assert.equal(stored.get(`w${w}`), last.n, `client ${w}'s last saved value`);
  }
  const count = (phase: Hit["phase"], status: number) => hits.filter((h) => h.phase === phase && h.status === status).length;
  const slowest = Math.round(Math.max(...hits.map((h) => h.ms)));
  return `${hits.length} requests: before ${count("before", 200)} ok; outage ${count("outage", 503)} x 503, ${count("outage", 200)} ok; after ${count("after", 503)} x 503, ${count("after", 200)} ok; slowest ${slowest} ms`;
}

describe("Redis stopped and restarted under HTTP load", { skip: redisSkip }, () => {
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  test("the node middleware with node-redis: 503s during the outage, then it serves again", async (t) => {
    const redis = await PrivateRedis.start();
    closers.push(() => redis.close());
    const client = createClient({ url: redis.url });
    client.on("error", () => {}); // reconnection attempts while the server is down
    await client.connect();
    closers.push(() => client.quit().catch(() => {}));
    const storage = createRedisSessionStorage({ client, cookie, timeout: TIMEOUT });
    const server = await serveNode(storage);
    closers.push(() => server.close());
    t.diagnostic(await check(storage, await underLoad(server.url, { stop: () => redis.stop(), start: () => redis.resume() })));
  });

  test("withSession (fetch) with ioredis: 503s during the outage, then it serves again", async (t) => {
    const redis = await PrivateRedis.start();
    closers.push(() => redis.close());
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    client.on("error", () => {});
    closers.push(async () => client.disconnect());
    const storage = createRedisSessionStorage({ client, cookie, timeout: TIMEOUT });
    const server = await serveWithFetch(storage);
    closers.push(() => server.close());
    t.diagnostic(await check(storage, await underLoad(server.url, { stop: () => redis.stop(), start: () => redis.resume() })));
  });
});

describe("PostgreSQL stopped and restarted under HTTP load", { skip: pgSkip }, () => {
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  /** A PostgreSQL server of the test's own, a pool on it, and the table. */
  async function setup() {
    const server = await PrivatePostgres.start();
    closers.push(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, max: 4, connectionTimeoutMillis: TIMEOUT });
    pool.on("error", () => {}); // idle clients cut by the shutdown
    await pool.query(schemaSql());
    closers.push(() => pool.end());
    const storage = createPostgresSessionStorage({ pool, cookie, timeout: TIMEOUT });
    return { outage: { stop: () => server.stop(), start: () => server.resume() }, storage };
  }

  test("the node middleware: 503s during the outage, then it serves again", async (t) => {
    const { outage, storage } = await setup();
    const server = await serveNode(storage);
    closers.push(() => server.close());
    t.diagnostic(await check(storage, await underLoad(server.url, outage)));
  });

  test("withSession (fetch): 503s during the outage, then it serves again", async (t) => {
    const { outage, storage } = await setup();
    const server = await serveWithFetch(storage);
    closers.push(() => server.close());
    t.diagnostic(await check(storage, await underLoad(server.url, outage)));
  });
});
