// bench:stores, third part: what a login (regenerateId) and a flash cost on
// each store, beside an ordinary request that changes one key. Many users
// only (bench/workloads.ts): every request picks one of 10,000 distinct
// sessions at random (a login changes the cookie every time: there is no hot case).
import { mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createClient } from "redis";
import { createMemorySessionStorage, type IdSessionStorage } from "../dist/index.js";
import { createFileSessionStorage } from "../dist/file.js";
import { createPostgresSessionStorage } from "../dist/postgres.js";
import { createRedisSessionStorage } from "../dist/redis.js";
import { fillConcurrently } from "./servers.js";
import { pick, USERS } from "./workloads.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface LifecycleRow {
  store: string;
  /** p50 / p99 in microseconds of one request (read + save) of each kind. */
  change: [number, number];
  login: [number, number];
  flashShown: [number, number];
  flashUnread: [number, number];
}

const pct = (xs: number[]): [number, number] => {
  const s = [...xs].sort((a, b) => a - b);
  return [s[Math.floor(s.length * 0.5)]!, s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!];
};
const pair = (h: string) => h.slice(0, h.indexOf(";"));

async function measure(store: string, storage: IdSessionStorage, sessions: number, ops: number): Promise<LifecycleRow> {
  const cookies: string[] = [];
  await fillConcurrently(sessions, async (i) => {
    const s = await storage.read(null);
    s.set("userId", `user-${i}`);
    s.set("count", 0);
    cookies[i] = pair((await storage.save(s))!);
  });
  /** Times one request on a random session: read, `fn`, save. */
  async function timed(fn: (s: Awaited<ReturnType<typeof storage.read>>) => void, before?: (i: number) => Promise<void>): Promise<number> {
    const i = pick(sessions);
    await before?.(i);
    const t = process.hrtime.bigint();
    const s = await storage.read(cookies[i]!);
    fn(s);
    const header = await storage.save(s);
    const us = Number(process.hrtime.bigint() - t) / 1000;
    if (header && !/Max-Age=0/.test(header)) cookies[i] = pair(header);
    return us;
  }
  const flashOn = async (i: number) => {
    const s = await storage.read(cookies[i]!);
    s.flash("notice", "saved");
    await storage.save(s);
  };
  const change: number[] = [];
  const login: number[] = [];
  const shown: number[] = [];
  const unread: number[] = [];
  // Interleaved, so a slow spell of the shared machine hits every kind alike.
  for (let n = 0; n < ops; n++) {
    change.push(await timed((s) => s.set("count", Number(s.get("count")) + 1)));
    login.push(await timed((s) => (s.regenerateId(), s.set("userId", s.get("userId")))));
    shown.push(await timed((s) => void s.get("notice"), flashOn));
    unread.push(await timed(() => {}, flashOn));
  }
  return { store, change: pct(change), login: pct(login), flashShown: pct(shown), flashUnread: pct(unread) };
}

export async function measureLifecycle(quick: boolean): Promise<{ sessions: number; rows: LifecycleRow[]; skipped: string[] }> {
  const sessions = USERS;
  const ops = quick ? 300 : 2000;
  const rows: LifecycleRow[] = [];
  const skipped: string[] = [];
  const cookie = { secrets: [SECRET] };
  rows.push(await measure("memory", createMemorySessionStorage({ cookie }), sessions, ops));
  const dir = await mkdtemp(join(tmpdir(), "tessera-bench-life-"));
  try {
    rows.push(await measure("file", createFileSessionStorage({ dir, cookie }), sessions, ops));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const redis = createClient({ url: REDIS_URL });
  redis.on("error", () => {});
  try {
    await redis.connect();
    const prefix = `tessera-bench-life:${randomBytes(4).toString("hex")}:`;
    rows.push(await measure("redis (node-redis)", createRedisSessionStorage({ client: redis, prefix, cookie }), sessions, ops));
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
    await redis.quit();
  } catch (error) {
    skipped.push(`Redis (${REDIS_URL}): ${(error as Error).message}`);
  }
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  pool.on("error", () => {});
  const table = `tessera_bench_life_${randomBytes(4).toString("hex")}`;
  try {
    const storage = createPostgresSessionStorage({ pool, table, cookie });
    await storage.store.ensureTable();
    rows.push(await measure("postgres (pg)", storage, sessions, ops));
  } catch (error) {
    skipped.push(`PostgreSQL: ${(error as Error).message}`);
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await pool.end();
  }
  return { sessions, rows, skipped };
}
