// bench:stores, second part: tessera's Redis and PostgreSQL stores beside
// express-session + connect-redis, read and save latency and round trips,
// under both workloads (bench/workloads.ts). The Redis contenders and both
// workloads take turns operation by operation, so a slow spell hits them all alike.
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { RedisStore as ConnectRedisStore } from "connect-redis";
import pg from "pg";
import { createClient } from "redis";
import { createPostgresSessionStorage } from "../dist/postgres.js";
import { createRedisSessionStorage } from "../dist/redis.js";
import { pick, USERS, WORKLOADS, type Workload } from "./workloads.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface Latency {
  p50: number;
  p99: number;
}
export interface ServerRow {
  name: string;
  workloads: Record<Workload, { read: Latency; save: Latency }>;
  /** Commands per read and per save, over both workloads. */
  readTrips: number;
  saveTrips: number;
  /** Mean CPU time of this process per read and per save, many users (us): the library's own work and its driver's. */
  cpu: { read: number; save: number };
  /** Redis only: the server's own time per command of a read and of a save (INFO commandstats, us per call). */
  server?: { read: number; save: number };
}

const pct = (xs: number[]): Latency => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)]!, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! };
};

/** The call's result, its wall time and the CPU time this process spent meanwhile (us). */
async function time<T>(fn: () => Promise<T>): Promise<[T, number, number]> {
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  const out = await fn();
  const wall = Number(process.hrtime.bigint() - t) / 1000;
  const used = process.cpuUsage(cpu);
  return [out, wall, used.user + used.system];
}

/** Runs `make(i)` for every i below `n`, `width` at a time, so that making 10,000 sessions on PostgreSQL, one commit each, does not dominate the run. */
export async function fillConcurrently(n: number, make: (i: number) => Promise<void>, width = 32): Promise<void> {
  for (let start = 0; start < n; start += width) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(n, start + width); i++) batch.push(make(i));
    await Promise.all(batch);
  }
}

/** What one library does per request, on session `i` of those it made. */
interface Contender<S> {
  name: string;
  counter: { n: number };
  make(i: number): Promise<void>;
  read(i: number): Promise<S>;
  change(session: S): void;
  save(i: number, session: S): Promise<void>;
  /** The Redis command a read and a save send (lower case, as INFO commandstats names them). */
  commands?: { read: string; save: string };
}

interface AnyStorage {
  read(cookie: string | null): Promise<{ get(k: string): unknown; set(k: string, v: unknown): void }>;
  save(session: unknown): Promise<string | null>;
}
type AnySession = Awaited<ReturnType<AnyStorage["read"]>>;

function tesseraContender(name: string, storage: AnyStorage, counter: { n: number }, commands?: Contender<AnySession>["commands"]): Contender<AnySession> {
  const cookies: string[] = [];
  const pair = (h: string) => h.slice(0, h.indexOf(";"));
  return {
    name,
    counter,
    ...(commands ? { commands } : {}),
    async make(i) {
      const s = await storage.read(null);
      s.set("userId", `user-${i}`);
      s.set("count", 0);
      cookies[i] = pair((await storage.save(s))!);
    },
    read: (i) => storage.read(cookies[i]!),
    change: (s) => s.set("count", Number(s.get("count")) + 1),
    async save(i, s) {
      const h = await storage.save(s);
      if (h) cookies[i] = pair(h);
    },
  };
}

/** The cookie-signature express-session itself loads (its own pinned copy). */
function expressSessionSignature(): { sign(v: string, s: string): string; unsign(v: string, s: string): string | false } {
  const require = createRequire(import.meta.url);
  return createRequire(require.resolve("express-session"))("cookie-signature");
}

/**
 * express-session + connect-redis: what express-session does per request. A
 * read checks the signed cookie (with express-session's own cookie-signature,
 * as tessera's read checks its cookie) and gets the session; a save is the
 * store's set.
 */
function connectRedisContender(client: unknown, prefix: string, counter: { n: number }): Contender<{ count: number }> {
  const { sign, unsign } = expressSessionSignature();
  const store = new ConnectRedisStore({ client: client as never, prefix });
  const sids: string[] = [];
  const signed: string[] = [];
  const cookie = { originalMaxAge: 86400000, expires: new Date(Date.now() + 86400000).toISOString(), httpOnly: true, path: "/" };
  const set = (sid: string, s: unknown) => new Promise<void>((res, rej) => store.set(sid, s as never, (e) => (e ? rej(e) : res())));
  return {
    name: "express-session + connect-redis 9",
    counter,
    commands: { read: "get", save: "set" },
    async make(i) {
      const sid = randomBytes(24).toString("base64url");
      sids[i] = sid;
      signed[i] = `s:${sign(sid, SECRET)}`;
      await set(sid, { cookie, userId: `user-${i}`, count: 0 });
    },
    read(i) {
      const sid = unsign(signed[i]!.slice(2), SECRET);
      if (sid === false) throw new Error("express-session refused its own cookie");
      return new Promise((res, rej) => store.get(sid, (e, s) => (e ? rej(e) : res(s as unknown as { count: number }))));
    },
    change: (s) => void s.count++,
    save: (i, s) => set(sids[i]!, s),
  };
}

/**
 * Each operation runs every contender under every workload once, in an order
 * that rotates from one operation to the next: whoever goes first after
 * another server's work (Redis, or PostgreSQL finishing a commit on the same
 * two cores) pays for it, and the rotation spreads that over all of them.
 */
async function measure(contenders: Contender<any>[], ops: number, redis?: RedisStats): Promise<ServerRow[]> {
  for (const c of contenders) await fillConcurrently(USERS, (i) => c.make(i));
  await redis?.reset();
  const lat = contenders.map(() => ({ "many users": { read: [] as number[], save: [] as number[] }, hot: { read: [] as number[], save: [] as number[] } }));
  const trips = contenders.map(() => ({ read: 0, save: 0 }));
  const cpu = contenders.map(() => ({ read: 0, save: 0 }));
  const turns = contenders.flatMap((_, k) => WORKLOADS.map((w) => ({ k, w })));
  for (let op = 0; op < ops; op++) {
    for (let t = 0; t < turns.length; t++) {
      const { k, w } = turns[(t + op) % turns.length]!;
      const c = contenders[k]!;
      const i = w === "hot" ? 0 : pick(USERS);
      c.counter.n = 0;
      const [session, r, rCpu] = await time(() => c.read(i));
      trips[k]!.read += c.counter.n;
      lat[k]![w].read.push(r);
      c.change(session);
      c.counter.n = 0;
      const [, s, sCpu] = await time(() => c.save(i, session));
      trips[k]!.save += c.counter.n;
      lat[k]![w].save.push(s);
      if (w === "many users") {
        cpu[k]!.read += rCpu;
        cpu[k]!.save += sCpu;
      }
    }
  }
  const perCall = redis ? await redis.perCall() : new Map<string, number>();
  return contenders.map((c, k) => ({
    name: c.name,
    workloads: {
      "many users": { read: pct(lat[k]!["many users"].read), save: pct(lat[k]!["many users"].save) },
      hot: { read: pct(lat[k]!.hot.read), save: pct(lat[k]!.hot.save) },
    },
    readTrips: trips[k]!.read / (ops * WORKLOADS.length),
    saveTrips: trips[k]!.save / (ops * WORKLOADS.length),
    cpu: { read: cpu[k]!.read / ops, save: cpu[k]!.save / ops },
    ...(c.commands && perCall.size ? { server: { read: perCall.get(c.commands.read) ?? NaN, save: perCall.get(c.commands.save) ?? NaN } } : {}),
  }));
}

/** The Redis server's own account of its time per command, from a reset on. */
interface RedisStats {
  reset(): Promise<void>;
  perCall(): Promise<Map<string, number>>;
}

function redisStats(client: { sendCommand(args: string[]): Promise<unknown> }): RedisStats {
  return {
    reset: async () => void (await client.sendCommand(["CONFIG", "RESETSTAT"])),
    async perCall() {
      const info = String(await client.sendCommand(["INFO", "commandstats"]));
      // cmdstat_get:calls=10000,usec=12345,usec_per_call=1.23,...
      return new Map([...info.matchAll(/^cmdstat_([a-z|]+):.*?usec_per_call=([\d.]+)/gm)].map((m) => [m[1]!, Number(m[2])]));
    },
  };
}

export async function measureServers(quick: boolean): Promise<{ rows: ServerRow[]; skipped: string[] }> {
  const ops = quick ? 500 : 5000;
  const skipped: string[] = [];
  const contenders: Contender<any>[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  const prefix = `tessera-bench:${randomBytes(4).toString("hex")}:`;

  const redis = createClient({ url: REDIS_URL });
  let stats: RedisStats | undefined;
  redis.on("error", () => {});
  try {
    await redis.connect();
  } catch {
    skipped.push(`Redis (${REDIS_URL}) not reachable`);
  }
  if (redis.isReady) {
    const counter = { n: 0 };
    // Every command method counts once: tessera sends raw commands, connect-redis typed ones.
    const COMMANDS = new Set(["sendCommand", "get", "set", "del", "expire", "pExpire", "mGet", "ttl", "exists"]);
    const counted = new Proxy(redis, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== "function") return v;
        if (!COMMANDS.has(String(prop))) return v.bind(target);
        return (...a: unknown[]) => (counter.n++, (v as (...x: unknown[]) => unknown).apply(target, a));
      },
    });
    const storage = createRedisSessionStorage({ client: counted as never, prefix, cookie: { secrets: [SECRET] } });
    contenders.push(tesseraContender("tessera redis (node-redis)", storage, counter, { read: "hgetall", save: "evalsha" }));
    contenders.push(connectRedisContender(counted, `${prefix}cr:`, counter));
    stats = redisStats(redis);
    cleanups.push(async () => {
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
      await redis.quit();
    });
  }

  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  pool.on("error", () => {});
  const table = `tessera_bench_${randomBytes(4).toString("hex")}`;
  try {
    await pool.query("SELECT 1");
    const counter = { n: 0 };
    const counted = { query: (text: string, values?: unknown[]) => (counter.n++, pool.query(text, values)) };
    const storage = createPostgresSessionStorage({ pool: counted, table, cookie: { secrets: [SECRET] } });
    await storage.store.ensureTable();
    contenders.push(tesseraContender("tessera postgres (pg)", storage, counter));
  } catch (error) {
    skipped.push(`PostgreSQL (${DATABASE_URL.replace(/\/\/[^@]*@/, "//")}): ${(error as Error).message}`);
  }
  cleanups.push(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await pool.end();
  });

  try {
    // Redis's contenders together, PostgreSQL's on its own: its commits would slow whatever runs next.
    const redisRows = await measure(contenders.filter((c) => !c.name.includes("postgres")), ops, stats);
    const pgRows = await measure(contenders.filter((c) => c.name.includes("postgres")), ops);
    return { rows: [...redisRows, ...pgRows], skipped };
  } finally {
    for (const clean of cleanups) await clean();
  }
}
