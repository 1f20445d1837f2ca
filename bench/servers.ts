// bench:stores, second part: tessera's Redis and PostgreSQL stores beside
// express-session + connect-redis, read and save latency and round trips.
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { RedisStore as ConnectRedisStore } from "connect-redis";
import pg from "pg";
import { createClient } from "redis";
import { createPostgresSessionStorage } from "../dist/postgres.js";
import { createRedisSessionStorage } from "../dist/redis.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface Latency {
  p50: number;
  p99: number;
}
export interface ServerRow {
  name: string;
  read: Latency;
  save: Latency;
  readTrips: number;
  saveTrips: number;
}

const pct = (xs: number[]): Latency => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)]!, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! };
};

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const out = await fn();
  return [out, Number(process.hrtime.bigint() - t) / 1000];
}

/** A storage's read and save, with the commands it sends counted by `counter`. */
interface AnyStorage {
  read(cookie: string | null): Promise<{ get(k: string): unknown; set(k: string, v: unknown): void }>;
  save(session: unknown): Promise<string | null>;
}

async function measureStorage(name: string, storage: AnyStorage, counter: { n: number }, sessions: number, ops: number): Promise<ServerRow> {
  const cookies: string[] = [];
  for (let i = 0; i < sessions; i++) {
    const s = await storage.read(null);
    s.set("userId", `user-${i}`);
    s.set("count", 0);
    const h = (await storage.save(s))!;
    cookies.push(h.slice(0, h.indexOf(";")));
  }
  const reads: number[] = [];
  const saves: number[] = [];
  let readTrips = 0;
  let saveTrips = 0;
  for (let i = 0; i < ops; i++) {
    const cookie = cookies[(Math.random() * cookies.length) | 0]!;
    counter.n = 0;
    const [session, r] = await time(() => storage.read(cookie));
    readTrips += counter.n;
    reads.push(r);
    session.set("count", Number(session.get("count")) + 1);
    counter.n = 0;
    const [, w] = await time(() => storage.save(session));
    saveTrips += counter.n;
    saves.push(w);
  }
  return { name, read: pct(reads), save: pct(saves), readTrips: readTrips / ops, saveTrips: saveTrips / ops };
}

/** The cookie-signature express-session itself loads (its own pinned copy). */
function expressSessionSignature(): { sign(v: string, s: string): string; unsign(v: string, s: string): string | false } {
  const require = createRequire(import.meta.url);
  return createRequire(require.resolve("express-session"))("cookie-signature");
}

export async function measureServers(quick: boolean): Promise<{ rows: ServerRow[]; skipped: string[] }> {
  const sessions = quick ? 200 : 2000;
  const ops = quick ? 500 : 5000;
  const rows: ServerRow[] = [];
  const skipped: string[] = [];
  const prefix = `tessera-bench:${randomBytes(4).toString("hex")}:`;

  const redis = createClient({ url: REDIS_URL });
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
    rows.push(await measureStorage("tessera redis (node-redis)", storage, counter, sessions, ops));

    // express-session + connect-redis: what express-session does per request. A read checks
    // the signed cookie (with express-session's own cookie-signature, as tessera's read checks
    // its cookie) and gets the session; a save is the store's set.
    const { sign, unsign } = expressSessionSignature();
    const store = new ConnectRedisStore({ client: counted as never, prefix: `${prefix}cr:` });
    const get = (cookie: string) => {
      const sid = unsign(cookie.slice(2), SECRET);
      if (sid === false) throw new Error("express-session refused its own cookie");
      return new Promise((res, rej) => store.get(sid, (e, s) => (e ? rej(e) : res(s))));
    };
    const set = (sid: string, s: unknown) => new Promise<void>((res, rej) => store.set(sid, s as never, (e) => (e ? rej(e) : res())));
    const sids = Array.from({ length: sessions }, () => randomBytes(24).toString("base64url"));
    const signed = new Map(sids.map((sid) => [sid, `s:${sign(sid, SECRET)}`]));
    const cookie = { originalMaxAge: 86400000, expires: new Date(Date.now() + 86400000).toISOString(), httpOnly: true, path: "/" };
    for (const [i, sid] of sids.entries()) await set(sid, { cookie, userId: `user-${i}`, count: 0 });
    const reads: number[] = [];
    const saves: number[] = [];
    let readTrips = 0;
    let saveTrips = 0;
    for (let i = 0; i < ops; i++) {
      const sid = sids[(Math.random() * sids.length) | 0]!;
      counter.n = 0;
      const [sess, r] = await time(() => get(signed.get(sid)!) as Promise<{ count: number }>);
      readTrips += counter.n;
      reads.push(r);
      sess.count++;
      counter.n = 0;
      const [, w] = await time(() => set(sid, sess));
      saveTrips += counter.n;
      saves.push(w);
    }
    rows.push({ name: "express-session + connect-redis 9", read: pct(reads), save: pct(saves), readTrips: readTrips / ops, saveTrips: saveTrips / ops });
    let cursor = "0";
    do {
      const r = await redis.scan(cursor, { MATCH: `${prefix}*`, COUNT: 1000 });
      cursor = String(r.cursor);
      if (r.keys.length) await redis.del(r.keys);
    } while (cursor !== "0");
    await redis.quit();
  }

  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  pool.on("error", () => {});
  try {
    await pool.query("SELECT 1");
    const counter = { n: 0 };
    const counted = { query: (text: string, values?: unknown[]) => (counter.n++, pool.query(text, values)) };
    const table = `tessera_bench_${randomBytes(4).toString("hex")}`;
    const storage = createPostgresSessionStorage({ pool: counted, table, cookie: { secrets: [SECRET] } });
    await storage.store.ensureTable();
    try {
      rows.push(await measureStorage("tessera postgres (pg)", storage, counter, sessions, ops));
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
    }
  } catch (error) {
    skipped.push(`PostgreSQL (${DATABASE_URL.replace(/\/\/[^@]*@/, "//")}): ${(error as Error).message}`);
  } finally {
    await pool.end();
  }
  return { rows, skipped };
}
