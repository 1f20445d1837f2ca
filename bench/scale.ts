// npm run bench:scale [-- --sessions 1000000 | --quick] [--only redis,cluster,postgres] — tessera's Redis
// (one server, and a Cluster of three masters with a replica each) and
// PostgreSQL stores holding N sessions: memory or disk per session, read and
// save latency of random sessions at that size, purge time, and listing a
// user's 1,000 sessions; connect-redis beside the one-server figures. Not a
// test: it measures, it asserts nothing. Redis runs on servers of its own
// (started here, on free ports); PostgreSQL in a table of its own.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, freemem, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { RedisStore as ConnectRedisStore } from "connect-redis";
import { Redis } from "ioredis";
import pg from "pg";
import { createClient } from "redis";
import { PostgresStore } from "../src/lib/stores/postgres.js";
import { RedisStore } from "../src/lib/stores/redis.js";
import type { SessionRecord, SessionStore } from "../src/lib/stores/store.js";
import { freePort } from "../test/helpers.js";
import { RedisCluster, ioredisCluster, nodeRedisCluster } from "../test/redis-cluster.js";
import { DATABASE_URL } from "../test/services.js";
import { fmt, machine } from "./harness.js";

const arg = process.argv.indexOf("--sessions");
const quick = process.argv.includes("--quick");
const asked = arg > 0 ? Number(process.argv[arg + 1]) : quick ? 20_000 : 1_000_000;
// Sized to the machine: the Cluster holds every session twice (masters and replicas) beside one
// server's copy and the benchmark's own keys, about 2 KB a session in all; use at most a quarter
// of the free memory, and say so when that is fewer sessions than asked.
const fits = Math.floor(freemem() / 4 / 2048 / 1000) * 1000;
const N = Math.min(asked, Math.max(1000, fits));
if (N < asked) console.error(`bench:scale: ${asked.toLocaleString("en-US")} sessions do not fit this machine's free memory; measuring ${N.toLocaleString("en-US")}`);
const SAMPLES = quick ? 2_000 : 20_000;
const BIG_USER = "user-big";
const BIG = 1_000;
const DAY = 86_400_000;
/** Sessions being written at once while filling a store. */
const WINDOW = 256;

const started = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
const keyOf = (name: string) => createHash("sha256").update(name).digest("base64url");
/** Session i belongs to user i/2 (two sessions per user), data as a small app keeps it. */
const userOf = (i: number) => `user-${i >> 1}`;
const recordOf = (i: number, now: number, userId = userOf(i)): SessionRecord => ({
  data: { userId, name: "Ann Example", count: i },
  createdAt: now,
  lastSeenAt: now,
  expiresAt: now + DAY,
  userId,
});
const random = (n: number, skip = (_: number) => false) => {
  for (;;) {
    const i = (Math.random() * n) | 0;
    if (!skip(i)) return i;
  }
};

async function inWindow(n: number, each: (i: number) => Promise<unknown>, label: string): Promise<number> {
  const t = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (next < n) {
        const i = next++;
        await each(i);
        if (i > 0 && i % 200_000 === 0) log(`${label}: ${fmt(i)}`);
      }
    }),
  );
  return Date.now() - t;
}

function pct(xs: number[]): { p50: number; p99: number } {
  const s = xs.sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)]!, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! };
}

/** Latency (us) of `samples` calls of `fn`, one at a time. */
async function latency(samples: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = process.hrtime.bigint();
    await fn();
    xs.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return pct(xs);
}

interface Row {
  store: string;
  perSession: string;
  sample: string;
  fill: string;
  read: { p50: number; p99: number };
  save: { p50: number; p99: number };
  purge: string;
  list: { p50: number; p99: number } | undefined;
}
const rows: Row[] = [];
const notes: string[] = [];

/** Read, save and listing latency of a filled tessera store. */
async function measureStore(store: SessionStore, now: number, live: (i: number) => boolean = () => true) {
  const read = await latency(SAMPLES, async () => {
    if (!(await store.get(keyOf(`s${random(N, (i) => !live(i))}`), now))) throw new Error("a stored session was lost");
  });
  let count = 0;
  const save = await latency(SAMPLES, async () => {
    const patch = { clear: false, set: { count: ++count }, unset: [], lastSeenAt: now, expiresAt: now + DAY };
    if (!(await store.update(keyOf(`s${random(N, (i) => !live(i))}`), patch, now))) throw new Error("a stored session was lost");
  });
  const list = await latency(quick ? 20 : 100, async () => {
    if ((await store.listByUser!(BIG_USER, now)).length !== BIG) throw new Error("the big user lost a session");
  });
  return { read, save, list };
}

const bytes = (n: number) => `${fmt(n)} B`;
const ms = (t: number) => (t >= 10_000 ? `${(t / 1000).toFixed(1)} s` : `${fmt(t)} ms`);
const usedMemory = async (r: Redis) => Number(/used_memory:(\d+)/.exec(String(await r.call("INFO", "memory")))![1]);

/** A redis-server of the benchmark's own, with nothing persisted. */
async function startRedis(): Promise<{ port: number; close: () => Promise<void> }> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "tessera-scale-"));
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => ((out += c.toString()), out.includes("Ready to accept connections") && resolve()));
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  return {
    port,
    close: async () => {
      const exited = once(child, "exit");
      process.kill(child.pid!, "SIGKILL");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function fillRedis(store: RedisStore, now: number, label: string): Promise<number> {
  const t = await inWindow(N, (i) => store.create(keyOf(`s${i}`), recordOf(i, now)), label);
  for (let j = 0; j < BIG; j++) await store.create(keyOf(`big${j}`), recordOf(j, now, BIG_USER));
  return t;
}

async function redisStandalone(): Promise<void> {
  const server = await startRedis();
  const admin = new Redis({ port: server.port });
  const client = createClient({ socket: { port: server.port } });
  await client.connect();
  try {
    const now = Date.now();
    const prefix = "tessera:";
    const store = new RedisStore({ client, prefix, timeout: 30_000 });
    const before = await usedMemory(admin);
    log(`redis: filling ${fmt(N)} sessions`);
    const fill = await fillRedis(store, now, "redis");
    const used = (await usedMemory(admin)) - before;
    const session = Number(await admin.call("MEMORY", "USAGE", store.keysOf(keyOf("s12345")).session, "SAMPLES", "0"));
    const index = Number(await admin.call("MEMORY", "USAGE", store.indexOf(userOf(12345)), "SAMPLES", "0"));
    log("redis: measuring");
    const m = await measureStore(store, now);
    const t = Date.now();
    await store.purge(now);
    const purge = Date.now() - t;
    rows.push({
      store: "tessera, Redis 7 (node-redis)",
      perSession: `${bytes(used / (N + BIG))} (used_memory delta)`,
      sample: `session ${bytes(session)}, its user's index ${bytes(index)}`,
      fill: ms(fill),
      ...m,
      purge: `${ms(purge)} (walks ${fmt(N / 2 + 1)} indexes, nothing expired)`,
    });

    // connect-redis on the same server, after tessera's keys are gone.
    await admin.call("FLUSHALL");
    const base = await usedMemory(admin);
    const cr = new ConnectRedisStore({ client: client as never, prefix: "sess:" });
    const cookie = { originalMaxAge: DAY, expires: new Date(now + DAY).toISOString(), httpOnly: true, path: "/" };
    const sess = (i: number) => ({ cookie, userId: userOf(i), name: "Ann Example", count: i });
    log(`connect-redis: filling ${fmt(N)} sessions`);
    const crFill = await inWindow(N, (i) => cr.set(keyOf(`s${i}`), sess(i) as never), "connect-redis");
    const crUsed = (await usedMemory(admin)) - base;
    const crSample = Number(await admin.call("MEMORY", "USAGE", `sess:${keyOf("s12345")}`, "SAMPLES", "0"));
    const crRead = await latency(SAMPLES, async () => {
      if (!(await cr.get(keyOf(`s${random(N)}`)))) throw new Error("connect-redis lost a session");
    });
    const crSave = await latency(SAMPLES, () => cr.set(keyOf(`s${random(N)}`), sess(random(N)) as never));
    rows.push({
      store: "connect-redis 9 (node-redis), same server",
      perSession: `${bytes(crUsed / N)} (used_memory delta)`,
      sample: `session ${bytes(crSample)} (no user index)`,
      fill: ms(crFill),
      read: crRead,
      save: crSave,
      purge: "none (TTL only)",
      list: undefined,
    });
  } finally {
    admin.disconnect();
    await client.quit();
    await server.close();
  }
}

async function redisCluster(): Promise<void> {
  const cluster = await RedisCluster.start();
  const io = await ioredisCluster(cluster, { redisOptions: { maxRetriesPerRequest: 1 } });
  const nr = await nodeRedisCluster(cluster);
  try {
    const now = Date.now();
    const prefix = "tessera:";
    const store = new RedisStore({ client: io, prefix, timeout: 30_000 });
    const masters = await cluster.masters();
    const total = async () => (await Promise.all(masters.map((p) => usedMemory(cluster.admin(p))))).reduce((a, b) => a + b, 0);
    const before = await total();
    log(`redis cluster: filling ${fmt(N)} sessions`);
    const fill = await fillRedis(store, now, "redis cluster");
    const used = (await total()) - before;
    const sessionKey = store.keysOf(keyOf("s12345")).session;
    const session = Number(await cluster.admin(await cluster.masterOf(sessionKey)).call("MEMORY", "USAGE", sessionKey, "SAMPLES", "0"));
    log("redis cluster: measuring (ioredis)");
    const m = await measureStore(store, now);
    const t = Date.now();
    await store.purge(now);
    const purge = Date.now() - t;
    rows.push({
      store: "tessera, Redis 7 Cluster, 3 masters + 3 replicas (ioredis Cluster)",
      perSession: `${bytes(used / (N + BIG))} on the masters (used_memory delta; each replica holds as much again)`,
      sample: `session ${bytes(session)}`,
      fill: ms(fill),
      ...m,
      purge: `${ms(purge)} (SCAN on the 3 masters at once)`,
    });
    log("redis cluster: measuring (node-redis)");
    const m2 = await measureStore(new RedisStore({ client: nr, prefix, timeout: 30_000 }), now);
    rows.push({ store: "tessera, same Cluster (node-redis createCluster)", perSession: "", sample: "", fill: "", ...m2, purge: "" });
  } finally {
    io.disconnect();
    await nr.close();
    await cluster.close();
  }
}

async function postgres(): Promise<void> {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8 });
  const table = `tessera_scale_${randomBytes(4).toString("hex")}`;
  const deletes: number[] = [];
  // The pool as the store sees it, timing each purge batch.
  const timed = {
    async query(text: string, values?: unknown[]) {
      const t = Date.now();
      const result = await pool.query(text, values);
      if (text.startsWith("DELETE") && text.includes("LIMIT")) deletes.push(Date.now() - t);
      return result;
    },
  };
  const store = new PostgresStore({ pool: timed, table, timeout: 600_000 });
  try {
    await store.ensureTable();
    const now = Date.now();
    // One in ten rows has expired, for purge to find.
    const expired = (i: number) => i % 10 === 0;
    log(`postgres: filling ${fmt(N)} sessions (multi-row INSERT, 5,000 rows a statement)`);
    const t0 = Date.now();
    const BATCH = 5000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < N) {
          const from = next;
          next += BATCH;
          const ids: string[] = [];
          const data: string[] = [];
          const exp: number[] = [];
          const users: string[] = [];
          for (let i = from; i < Math.min(N, from + BATCH); i++) {
            const r = recordOf(i, now);
            ids.push(keyOf(`s${i}`));
            data.push(JSON.stringify(r.data));
            exp.push(expired(i) ? now - 1000 : r.expiresAt);
            users.push(r.userId!);
          }
          await pool.query(
            `INSERT INTO ${table} (id, data, created_at, last_seen_at, expires_at, user_id)
             SELECT id, d, $2, $2, e, u FROM unnest($1::text[], $3::jsonb[], $4::bigint[], $5::text[]) AS x(id, d, e, u)`,
            [ids, now, data, exp, users],
          );
          if (from > 0 && from % 200_000 === 0) log(`postgres: ${fmt(from)}`);
        }
      }),
    );
    const fill = Date.now() - t0;
    for (let j = 0; j < BIG; j++) await store.create(keyOf(`big${j}`), recordOf(j, now, BIG_USER));
    await pool.query(`VACUUM ANALYZE ${table}`);
    const size = Number((await pool.query(`SELECT pg_total_relation_size($1) AS n`, [table])).rows[0].n);
    const heap = Number((await pool.query(`SELECT pg_relation_size($1) AS n`, [table])).rows[0].n);
    log("postgres: measuring");
    const m = await measureStore(store, now, (i) => !expired(i));
    const plan = (await pool.query(
      `EXPLAIN DELETE FROM ${table} WHERE id = ANY(ARRAY(SELECT id FROM ${table} WHERE expires_at <= ${now} ORDER BY expires_at LIMIT 5000)) AND expires_at <= ${now}`,
    )).rows.map((r) => r["QUERY PLAN"] as string);
    const usesIndex = plan.some((l) => l.includes(`${table}_expires_at`));
    const t = Date.now();
    const purged = await store.purge(now);
    const purge = Date.now() - t;
    const total = N + BIG;
    rows.push({
      store: "tessera, PostgreSQL 15 (pg)",
      perSession: `${bytes(size / total)} (pg_total_relation_size: table ${bytes(heap / total)} + indexes and TOAST)`,
      sample: "",
      fill: `${ms(fill)} (multi-row INSERT)`,
      ...m,
      purge: `${ms(purge)}: ${fmt(purged)} expired rows in ${deletes.length} batches, the longest ${ms(Math.max(...deletes))}`,
    });
    notes.push(`PostgreSQL purge plan (${usesIndex ? "uses" : "does NOT use"} the expiry index):\n\n    ${plan.join("\n    ")}`);
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  }
}

const only = process.argv.indexOf("--only");
const wanted = only > 0 ? process.argv[only + 1]!.split(",") : ["redis", "cluster", "postgres"];
if (wanted.includes("redis")) await redisStandalone();
if (wanted.includes("cluster")) await redisCluster();
if (wanted.includes("postgres")) await postgres();

const us = (x: { p50: number; p99: number } | undefined) => (x ? `${x.p50.toFixed(0)} / ${x.p99.toFixed(0)}` : "");
console.log(`# Stores at ${fmt(N)} sessions`);
console.log(
  `${new Date().toISOString().slice(0, 10)}, ${machine()}, ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; whole run ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
console.log(
  `Each session: { userId, name, count } plus its times, owned by a user with one other session; one more user holds ${fmt(BIG)}. ` +
    `Latencies are of the store's own get / update (one key changed) of random sessions, one call at a time, ${fmt(SAMPLES)} of each; ` +
    `the listing is listByUser of the user with ${fmt(BIG)} sessions.\n`,
);
console.log("| store | per session | sample key (MEMORY USAGE) | fill | read p50 / p99 (us) | save p50 / p99 (us) | list 1,000 p50 / p99 (us) | purge |");
console.log("|---|---|---|---:|---:|---:|---:|---|");
for (const r of rows) console.log(`| ${r.store} | ${r.perSession} | ${r.sample} | ${r.fill} | ${us(r.read)} | ${us(r.save)} | ${us(r.list)} | ${r.purge} |`);
for (const n of notes) console.log(`\n${n}`);
