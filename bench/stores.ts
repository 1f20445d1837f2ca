// npm run bench:stores — per-session memory and disk cost, and read latency,
// of tessera's memory and file storages beside @remix-run/node's, at 10k and
// 100k sessions, in one run. Not a test: it measures, it asserts nothing.
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
import { measureLifecycle } from "./lifecycle.js";
import { measureServers } from "./servers.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const quick = process.argv.includes("--quick");
const SIZES = quick ? [2_000] : [10_000, 100_000];
const READS = quick ? 5_000 : 20_000;

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
 * Creates `n` sessions; keeps 500 of their cookies for the reads, and the store
 * keys of tessera's, so that the heap figure is the store's own.
 */
async function fill(storage: AnyStorage, n: number, keys?: string[]): Promise<string[]> {
  const cookies: string[] = [];
  const every = Math.max(1, Math.floor(n / 500));
  for (let i = 0; i < n; i++) {
    const s = await storage.getSession(null);
    if (keys && i % every === 0) keys.push(createHash("sha256").update((s as unknown as { id: string }).id).digest("base64url"));
    s.set("userId", `user-${i}`);
    s.set("name", "Ann Example");
    s.set("count", i);
    const header = await storage.commitSession(s);
    if (i % every === 0) cookies.push(header.slice(0, header.indexOf(";")));
  }
  return cookies;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Latencies (us) of the store's own read of random keys, without the cookie and the session. */
async function storeLatency(store: SessionStore, keys: string[]) {
  const xs: number[] = [];
  const now = Date.now();
  for (let i = 0; i < READS; i++) {
    const key = keys[(Math.random() * keys.length) | 0]!;
    const t = process.hrtime.bigint();
    const r = await store.get(key, now);
    xs.push(Number(process.hrtime.bigint() - t) / 1000);
    if (!r) throw new Error("a stored session was lost");
  }
  const sorted = xs.sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** Read latencies (us) of random sessions, the candidates interleaved in batches of 100. */
async function readLatencies(candidates: Array<{ name: string; storage: AnyStorage; cookies: string[] }>) {
  const samples = new Map(candidates.map((c) => [c.name, [] as number[]]));
  for (let done = 0; done < READS; done += 100) {
    for (const c of candidates) {
      const out = samples.get(c.name)!;
      for (let i = 0; i < 100; i++) {
        const cookie = c.cookies[(Math.random() * c.cookies.length) | 0]!;
        const t = process.hrtime.bigint();
        const s = await c.storage.getSession(cookie);
        out.push(Number(process.hrtime.bigint() - t) / 1000);
        if (s.get("name") !== "Ann Example") throw new Error(`${c.name}: a session was lost`);
      }
    }
  }
  return new Map([...samples].map(([name, xs]) => {
    const sorted = xs.sort((a, b) => a - b);
    return [name, { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }];
  }));
}

async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const info = await stat(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
    total += info.blocks * 512;
  }
  return total + (await stat(dir)).blocks * 512;
}

const rows: string[] = [];
for (const n of SIZES) {
  // Memory: heap growth per session, each storage measured on its own.
  const h0 = heap();
  const memStore = new MemoryStore({ maxSessions: n });
  const tMem = createSessionStorage({ store: memStore, cookie: { secrets: [SECRET] } });
  const memKeys: string[] = [];
  const tCookies = await fill(tMem, n, memKeys);
  const tHeap = (heap() - h0) / n;
  const h1 = heap();
  const rMem = remixMemory({ cookie: { name: "__session", secrets: [SECRET] } });
  const rCookies = await fill(rMem, n);
  const rHeap = (heap() - h1) / n;
  const memLat = await readLatencies([
    { name: "tessera", storage: tMem, cookies: tCookies },
    { name: "remix", storage: rMem, cookies: rCookies },
  ]);
  const memStoreLat = await storeLatency(memStore, memKeys);

  // File: disk per session and read latency.
  const tDir = await mkdtemp(join(tmpdir(), "tessera-bench-"));
  const rDir = await mkdtemp(join(tmpdir(), "remix-bench-"));
  const fileStore = new FileStore({ dir: tDir });
  const tFile = createSessionStorage({ store: fileStore, cookie: { secrets: [SECRET] } });
  const fileKeys: string[] = [];
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
  await rm(tDir, { recursive: true, force: true });
  await rm(rDir, { recursive: true, force: true });

  const m = (name: string) => memLat.get(name)!;
  const f = (name: string) => fileLat.get(name)!;
  const us = (x: number) => x.toFixed(1);
  rows.push(`| ${fmt(n)} | memory | tessera | ${fmt(tHeap)} B heap | ${us(memStoreLat.p50)} / ${us(memStoreLat.p99)} | ${us(m("tessera").p50)} / ${us(m("tessera").p99)} |`);
  rows.push(`| ${fmt(n)} | memory | @remix-run/node | ${fmt(rHeap)} B heap | | ${us(m("remix").p50)} / ${us(m("remix").p99)} |`);
  rows.push(`| ${fmt(n)} | file | tessera | ${fmt(tDisk)} B disk | ${us(fileStoreLat.p50)} / ${us(fileStoreLat.p99)} | ${us(f("tessera").p50)} / ${us(f("tessera").p99)} |`);
  rows.push(`| ${fmt(n)} | file | @remix-run/node | ${fmt(rDisk)} B disk | | ${us(f("remix").p50)} / ${us(f("remix").p99)} |`);
}

console.log("# Stores: cost per session and read latency of a random session");
console.log("store read: the store's own get; storage read: getSession(cookie), i.e. cookie check + id hash + store read + session.");
console.log(`${new Date().toISOString().slice(0, 10)}, ${machine()}, ${cpus().length} x ${cpus()[0]?.model}${gc ? "" : " (run with --expose-gc for heap figures)"}\n`);
console.log("| sessions | store | library | per session | store read p50 / p99 (us) | storage read p50 / p99 (us) |");
console.log("|---:|---|---|---:|---:|---:|");
for (const r of rows) console.log(r);

const servers = await measureServers(quick);
console.log("\n# Redis and PostgreSQL: latency of one read and one save, and round trips per request");
console.log("storage read: getSession(cookie); save: one changed key. express-session + connect-redis: its cookie check (cookie-signature) and its store's get; its store's set.\n");
console.log("| store | read p50 / p99 (us) | save p50 / p99 (us) | round trips: read + save |");
console.log("|---|---:|---:|---:|");
for (const r of servers.rows) {
  console.log(`| ${r.name} | ${r.read.p50.toFixed(0)} / ${r.read.p99.toFixed(0)} | ${r.save.p50.toFixed(0)} / ${r.save.p99.toFixed(0)} | ${r.readTrips.toFixed(1)} + ${r.saveTrips.toFixed(1)} |`);
}
for (const line of servers.skipped) console.log(`skipped: ${line}`);

const life = await measureLifecycle(quick);
console.log("\n# What a login and a flash cost: one request (read + save) of each kind, p50 / p99 (us), 2,000 distinct sessions");
console.log("change: one key changed. login: regenerateId() (one atomic replace). flash shown: a pending flash taken as the session is read, read, and gone. flash unread: taken as read, not looked at, put back on save.\n");
console.log("| store | change | login (regenerate) | flash shown | flash left unread |");
console.log("|---|---:|---:|---:|---:|");
const cell = ([a, b]: [number, number]) => `${a.toFixed(0)} / ${b.toFixed(0)}`;
for (const r of life.rows) console.log(`| ${r.store} | ${cell(r.change)} | ${cell(r.login)} | ${cell(r.flashShown)} | ${cell(r.flashUnread)} |`);
for (const line of life.skipped) console.log(`skipped: ${line}`);
