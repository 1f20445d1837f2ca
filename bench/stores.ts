// npm run bench:stores — per-session memory and disk cost, and read latency
// under both workloads (bench/workloads.ts), of tessera's memory and file
// storages beside @remix-run/node's at 10k and 100k sessions, tessera's memory
// store alone at 1,000,000; then Redis and PostgreSQL beside express-session +
// connect-redis, and what a login and a flash cost. Not a test: it measures,
// it asserts nothing.
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import {
  createFileSessionStorage as remixFile,
  createMemorySessionStorage as remixMemory,
} from "@remix-run/node";
import { createHash } from "node:crypto";
import { createSessionStorage, MemoryStore, type SessionStore } from "../dist/index.js";
import { FileStore } from "../dist/file.js";
import { fmt, machine } from "./harness.js";
import { Jar } from "./jar.js";
import { measureLifecycle } from "./lifecycle.js";
import { measureServers } from "./servers.js";
import { DESCRIBE, pick, targetTable, USERS, WORKLOADS, writeResults, type Target, type Workload } from "./workloads.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const quick = process.argv.includes("--quick");
const SIZES = quick ? [USERS] : [USERS, 100_000];
const largeArg = Number(process.argv.find((a) => a.startsWith("--large="))?.slice(8));
/** tessera's memory store alone, for the per-session target at a million. */
const LARGE = largeArg > 0 ? largeArg : quick ? 100_000 : 1_000_000;
/** Reads per candidate and workload. */
const READS = quick ? 5_000 : 20_000;
/** The most sessions whose cookies are kept for the many-users reads (off the heap, in a Jar). */
const KEEP = 100_000;
/** `--only=sizes,large,servers,lifecycle`: some parts only, for a focused run (which writes no results). `--large=N` resizes the large point. */
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const runs = (part: string) => !only || only.includes(part);

interface AnyStorage {
  getSession(cookie: string | null): Promise<{ set(k: string, v: unknown): void; get(k: string): unknown }>;
  commitSession(session: any): Promise<string>;
}

const gc = (globalThis as { gc?: () => void }).gc;
function heap(): number {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * Creates `n` sessions; keeps the cookies of up to KEEP of them, evenly spread,
 * for the reads, and the store keys of tessera's (`keys`), off the heap so
 * that the heap figure is the store's own.
 */
async function fill(storage: AnyStorage, n: number, keys?: Jar): Promise<Jar> {
  const keep = Math.min(n, KEEP);
  const cookies = new Jar(keep);
  const every = Math.floor(n / keep);
  for (let i = 0; i < n; i++) {
    const s = await storage.getSession(null);
    const kept = i % every === 0 && cookies.size < keep;
    if (keys && kept) keys.push(createHash("sha256").update((s as unknown as { id: string }).id).digest("base64url"));
    s.set("userId", `user-${i}`);
    s.set("name", "Ann Example");
    s.set("count", i);
    const header = await storage.commitSession(s);
    if (kept) cookies.push(header.slice(0, header.indexOf(";")));
  }
  return cookies;
}

interface Latency {
  p50: number;
  p99: number;
}
type ByWorkload = Record<Workload, Latency>;

function percentiles(xs: number[]): Latency {
  const sorted = xs.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

/** Index of the session a workload's next operation touches. */
const next = (w: Workload, jar: Jar) => (w === "hot" ? 0 : pick(jar.size));

/** Latencies (us) of the store's own read, without the cookie and the session; the workloads interleaved in batches of 100. */
async function storeLatency(store: SessionStore, keys: Jar): Promise<ByWorkload> {
  const xs: Record<Workload, number[]> = { "many users": [], hot: [] };
  const now = Date.now();
  for (let done = 0; done < READS; done += 100) {
    for (const w of WORKLOADS) {
      for (let i = 0; i < 100; i++) {
        const key = keys.get(next(w, keys));
        const t = process.hrtime.bigint();
        const r = await store.get(key, now);
        xs[w].push(Number(process.hrtime.bigint() - t) / 1000);
        if (!r) throw new Error("a stored session was lost");
      }
    }
  }
  return { "many users": percentiles(xs["many users"]), hot: percentiles(xs.hot) };
}

/** Read latencies (us) of getSession(cookie), the candidates and workloads interleaved in batches of 100. */
async function readLatencies(candidates: Array<{ name: string; storage: AnyStorage; cookies: Jar }>): Promise<Map<string, ByWorkload>> {
  const samples = new Map(candidates.map((c) => [c.name, { "many users": [] as number[], hot: [] as number[] }]));
  for (let done = 0; done < READS; done += 100) {
    for (const c of candidates) {
      for (const w of WORKLOADS) {
        const out = samples.get(c.name)![w];
        for (let i = 0; i < 100; i++) {
          const cookie = c.cookies.get(next(w, c.cookies));
          const t = process.hrtime.bigint();
          const s = await c.storage.getSession(cookie);
          out.push(Number(process.hrtime.bigint() - t) / 1000);
          if (s.get("name") !== "Ann Example") throw new Error(`${c.name}: a session was lost`);
        }
      }
    }
  }
  return new Map([...samples].map(([name, xs]) => [name, { "many users": percentiles(xs["many users"]), hot: percentiles(xs.hot) }]));
}

async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const info = await stat(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
    total += info.blocks * 512;
  }
  return total + (await stat(dir)).blocks * 512;
}

interface Row {
  sessions: number;
  store: "memory" | "file";
  library: string;
  perSession: number;
  unit: "heap" | "disk";
  storeRead?: ByWorkload;
  storageRead: ByWorkload;
}
const rows: Row[] = [];

/** tessera's memory storage with `n` sessions: heap per session, store and storage reads. */
async function tesseraMemory(n: number): Promise<{ perSession: number; storeRead: ByWorkload; storage: AnyStorage; cookies: Jar }> {
  const h0 = heap();
  const store = new MemoryStore({ maxSessions: n });
  const storage = createSessionStorage({ store, cookie: { secrets: [SECRET] } });
  const keys = new Jar(Math.min(n, KEEP), 48);
  const cookies = await fill(storage, n, keys);
  const perSession = (heap() - h0) / n;
  const storeRead = await storeLatency(store, keys);
  return { perSession, storeRead, storage, cookies };
}

for (const n of runs("sizes") ? SIZES : []) {
  // Memory: heap growth per session, each storage measured on its own.
  const t = await tesseraMemory(n);
  const h1 = heap();
  const rMem = remixMemory({ cookie: { name: "__session", secrets: [SECRET] } });
  const rCookies = await fill(rMem, n);
  const rHeap = (heap() - h1) / n;
  const memLat = await readLatencies([
    { name: "tessera", storage: t.storage, cookies: t.cookies },
    { name: "remix", storage: rMem, cookies: rCookies },
  ]);
  rows.push({ sessions: n, store: "memory", library: "tessera", perSession: t.perSession, unit: "heap", storeRead: t.storeRead, storageRead: memLat.get("tessera")! });
  rows.push({ sessions: n, store: "memory", library: "@remix-run/node", perSession: rHeap, unit: "heap", storageRead: memLat.get("remix")! });

  // File: disk per session and read latency.
  const tDir = await mkdtemp(join(tmpdir(), "tessera-bench-"));
  const rDir = await mkdtemp(join(tmpdir(), "remix-bench-"));
  try {
    const fileStore = new FileStore({ dir: tDir });
    const tFile = createSessionStorage({ store: fileStore, cookie: { secrets: [SECRET] } });
    const fileKeys = new Jar(Math.min(n, KEEP), 48);
    const rFile = remixFile({ dir: rDir, cookie: { name: "__session", secrets: [SECRET] } });
    const tfCookies = await fill(tFile, n, fileKeys);
    const rfCookies = await fill(rFile, n);
    const tDisk = (await diskBytes(tDir)) / n;
    const rDisk = (await diskBytes(rDir)) / n;
    const fileLat = await readLatencies([
      { name: "tessera", storage: tFile, cookies: tfCookies },
      { name: "remix", storage: rFile, cookies: rfCookies },
    ]);
    const fileStoreLat = await storeLatency(fileStore, fileKeys);
    rows.push({ sessions: n, store: "file", library: "tessera", perSession: tDisk, unit: "disk", storeRead: fileStoreLat, storageRead: fileLat.get("tessera")! });
    rows.push({ sessions: n, store: "file", library: "@remix-run/node", perSession: rDisk, unit: "disk", storageRead: fileLat.get("remix")! });
  } finally {
    await rm(tDir, { recursive: true, force: true });
    await rm(rDir, { recursive: true, force: true });
  }
}

// The memory store alone at LARGE sessions: the per-session target.
if (runs("large")) {
  const t = await tesseraMemory(LARGE);
  const lat = await readLatencies([{ name: "tessera", storage: t.storage, cookies: t.cookies }]);
  rows.push({ sessions: LARGE, store: "memory", library: "tessera", perSession: t.perSession, unit: "heap", storeRead: t.storeRead, storageRead: lat.get("tessera")! });
}

const date = new Date().toISOString().slice(0, 10);
const us = (l: Latency | undefined) => (l ? `${l.p50.toFixed(1)} / ${l.p99.toFixed(1)}` : "");
console.log("# Stores: cost per session, and read latency");
console.log(`${date}${quick ? " (quick run)" : ""}, ${machine()}, ${cpus().length} x ${cpus()[0]?.model}${gc ? "" : " (run with --expose-gc for heap figures)"}`);
console.log(`store read: the store's own get of a session's key; storage read: getSession(cookie), i.e. cookie check + id hash + store read + session. ` +
  `${DESCRIBE["many users"]} (of the ${fmt(KEEP)} evenly spread sessions whose cookies are kept, when there are more); ${DESCRIBE.hot}. ` +
  `The memory store at ${fmt(LARGE)} sessions is tessera's alone${quick ? " (sized down from 1,000,000 for the quick run)" : ""}.\n`);
console.log("| sessions | store | library | per session | store read p50 / p99 (us), many users | store read, hot | storage read p50 / p99 (us), many users | storage read, hot |");
console.log("|---:|---|---|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(`| ${fmt(r.sessions)} | ${r.store} | ${r.library} | ${fmt(r.perSession)} B ${r.unit} | ${us(r.storeRead?.["many users"])} | ${us(r.storeRead?.hot)} | ${us(r.storageRead["many users"])} | ${us(r.storageRead.hot)} |`);
}

const servers = runs("servers") ? await measureServers(quick) : { rows: [], skipped: [] };
console.log("\n# Redis and PostgreSQL: latency of one read and one save, and round trips per request");
console.log(`storage read: getSession(cookie); save: one changed key. express-session + connect-redis: its cookie check (cookie-signature) and its store's get; its store's set. ` +
  `Every contender and workload takes turns operation by operation; ${fmt(USERS)} sessions each. ` +
  `CPU here: this process's CPU time during the call (cookie check, id hash, JSON, the driver's encoding and parsing), a mean. ` +
  `Redis's own time: INFO commandstats, microseconds per call of the command a read and a save send (tessera: HGETALL, and EVALSHA of its update script with all it runs; connect-redis: GET, SET). ` +
  `The rest of a latency is waiting: the network and the event loops.\n`);
console.log("| store | read p50 / p99 (us), many users | save p50 / p99 (us), many users | read, hot | save, hot | round trips: read + save | CPU here per read / save (us), many users | Redis's own time per read / save command (us) |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of servers.rows) {
  const l = (x: Latency) => `${x.p50.toFixed(0)} / ${x.p99.toFixed(0)}`;
  const m = r.workloads["many users"];
  const h = r.workloads.hot;
  const server = r.server ? `${r.server.read.toFixed(1)} / ${r.server.save.toFixed(1)}` : "";
  console.log(`| ${r.name} | ${l(m.read)} | ${l(m.save)} | ${l(h.read)} | ${l(h.save)} | ${r.readTrips.toFixed(1)} + ${r.saveTrips.toFixed(1)} | ${r.cpu.read.toFixed(0)} / ${r.cpu.save.toFixed(0)} | ${server} |`);
}
for (const line of servers.skipped) console.log(`skipped: ${line}`);

const life = runs("lifecycle") ? await measureLifecycle(quick) : { sessions: USERS, rows: [], skipped: [] };
console.log(`\n# What a login and a flash cost: one request (read + save) of each kind, p50 / p99 (us), many users: ${fmt(life.sessions)} distinct sessions, each request picks one at random`);
console.log("change: one key changed. login: regenerateId() (one atomic replace). flash shown: a pending flash taken as the session is read, read, and gone. flash unread: taken as read, not looked at, put back on save. Many users only: a login replaces its session and a flash shown is gone, so one session cannot be measured over and over (no hot workload).\n");
console.log("| store | change | login (regenerate) | flash shown | flash left unread |");
console.log("|---|---:|---:|---:|---:|");
const cell = ([a, b]: [number, number]) => `${a.toFixed(0)} / ${b.toFixed(0)}`;
for (const r of life.rows) console.log(`| ${r.store} | ${cell(r.change)} | ${cell(r.login)} | ${cell(r.flashShown)} | ${cell(r.flashUnread)} |`);
for (const line of life.skipped) console.log(`skipped: ${line}`);

// The targets, against the many-users figures.
if (only) process.exit(0);
const targets: Target[] = [];
const large = rows.find((r) => r.sessions === LARGE && r.store === "memory")!;
targets.push({
  target: `memory store <= 250 B a session at 1,000,000 sessions${LARGE === 1_000_000 ? "" : ` (measured at ${fmt(LARGE)}: quick run)`}`,
  measured: `${fmt(large.perSession)} B`,
  met: large.perSession <= 250,
  note: `${fmt(large.perSession - 250)} B over`,
});
const biggest = Math.max(...SIZES);
const tMemRow = rows.find((r) => r.sessions === biggest && r.store === "memory" && r.library === "tessera")!;
targets.push({
  target: `memory storage read p50 <= 10 us (${fmt(biggest)} sessions)`,
  measured: `${tMemRow.storageRead["many users"].p50.toFixed(1)} us`,
  met: tMemRow.storageRead["many users"].p50 <= 10,
});
const tFileRow = rows.find((r) => r.sessions === biggest && r.store === "file" && r.library === "tessera")!;
const fl = tFileRow.storageRead["many users"];
targets.push({
  target: `file storage read p50 <= 100 us and p99 <= 300 us (${fmt(biggest)} sessions)`,
  measured: `${fl.p50.toFixed(1)} / ${fl.p99.toFixed(1)} us`,
  met: fl.p50 <= 100 && fl.p99 <= 300,
});
targets.push({ target: "file store <= 4.5 KB on disk a session", measured: `${fmt(tFileRow.perSession)} B`, met: tFileRow.perSession <= 4608 });
const tr = servers.rows.find((r) => r.name.startsWith("tessera redis"));
const cr = servers.rows.find((r) => r.name.startsWith("express-session"));
if (tr && cr) {
  for (const op of ["read", "save"] as const) {
    const a = tr.workloads["many users"][op].p50;
    const b = cr.workloads["many users"][op].p50;
    targets.push({
      target: `Redis ${op} p50 at or below express-session + connect-redis's`,
      measured: `${a.toFixed(0)} vs ${b.toFixed(0)} us`,
      met: a <= b,
      note: `${(a - b).toFixed(0)} us (${((a / b - 1) * 100).toFixed(0)}%) slower`,
    });
  }
}
console.log(`\n${targetTable(targets)}`);
writeResults("stores", { date, quick, targets, rows, servers: servers.rows, lifecycle: life.rows });
