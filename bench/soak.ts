// npm run soak — mixed traffic with sign-in / sign-out churn against the file
// store and Redis, through real HTTP, for --minutes (default 10). Reports heap
// (after GC) and file-descriptor counts over time, and errors. Not a test.
import { readdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { getSession, withSession } from "../dist/fetch.js";
import { createFileSessionStorage } from "../dist/file.js";
import { createRedisSessionStorage } from "../dist/redis.js";
import type { SessionStorage } from "../dist/index.js";
import { machine } from "./harness.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MINUTES = arg("minutes", 10);
const USERS = 16;
const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const cookie = { secrets: [SECRET], name: "sid", secure: false };

function app(storage: SessionStorage) {
  return withSession(storage, async (request) => {
    const s = await getSession(request);
    const { pathname } = new URL(request.url);
    switch (pathname) {
      case "/login":
        s.regenerateId({ keep: [] });
        s.set("userId", `u${randomBytes(2).toString("hex")}`);
        s.flash("notice", "welcome");
        return new Response("in");
      case "/logout":
        s.destroy();
        return new Response("out");
      default:
        s.set("count", Number(s.get("count") ?? 0) + 1);
        return new Response(String(s.get("notice") ?? s.get("count")));
    }
  });
}

async function serve(fetchHandler: (r: Request) => Promise<Response>) {
  const { serve } = await import("@hono/node-server");
  return new Promise<{ url: string; close: () => void }>((resolve) => {
    const server = serve({ fetch: fetchHandler, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => server.close() }),
    );
  });
}

/** One virtual user: log in, a few visits, sometimes log out; repeat until the deadline. */
async function user(url: string, deadline: number, counters: { requests: number; errors: number }) {
  let jar: string | undefined;
  const hit = async (path: string) => {
    const res = await fetch(`${url}${path}`, { method: "POST", headers: jar ? { cookie: jar } : {} });
    await res.text();
    counters.requests++;
    if (res.status !== 200) counters.errors++;
    const set = res.headers.getSetCookie().find((c) => c.startsWith("sid="));
    if (set) jar = /Max-Age=0/.test(set) ? undefined : set.split(";")[0];
  };
  while (Date.now() < deadline) {
    try {
      await hit("/login");
      for (let i = 0; i < 8; i++) await hit("/visit");
      if (Math.random() < 0.7) await hit("/logout");
      else jar = undefined; // abandon the session: it must expire, not leak
    } catch {
      counters.errors++;
    }
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const fds = () => readdirSync("/proc/self/fd").length;

const dir = mkdtempSync(join(tmpdir(), "tessera-soak-"));
const client = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
await client.connect();
const prefix = `tessera-soak:${randomBytes(3).toString("hex")}:`;
const file = await serve(app(createFileSessionStorage({ cookie, dir, idleTimeout: 120, touchInterval: 10 })));
const redis = await serve(app(createRedisSessionStorage({ cookie, client, prefix, idleTimeout: 120, touchInterval: 10 })));
const counters = { requests: 0, errors: 0 };
const deadline = Date.now() + MINUTES * 60_000;
const samples: Array<{ minute: number; heap: number; fds: number; requests: number }> = [];
const sample = () => samples.push({ minute: (Date.now() - (deadline - MINUTES * 60_000)) / 60_000, heap: heapMb(), fds: fds(), requests: counters.requests });
sample();
const timer = setInterval(sample, Math.max(5_000, (MINUTES * 60_000) / 20));
await Promise.all(Array.from({ length: USERS }, (_, i) => user(i % 2 ? file.url : redis.url, deadline, counters)));
clearInterval(timer);
sample();
file.close();
redis.close();
await client.quit();
rmSync(dir, { recursive: true, force: true });

const warm = samples[Math.min(2, samples.length - 1)]!;
const last = samples.at(-1)!;
console.log(`# Soak: ${MINUTES} min of sign-in / visits / sign-out churn, ${USERS} users over the file store and Redis`);
console.log(`${new Date().toISOString().slice(0, 10)}, ${machine()}\n`);
console.log("| minute | heap after GC (MB) | open fds | requests so far |");
console.log("|---:|---:|---:|---:|");
for (const s of samples) console.log(`| ${s.minute.toFixed(1)} | ${s.heap.toFixed(1)} | ${s.fds} | ${s.requests} |`);
console.log(`\nrequests: ${counters.requests}, errors: ${counters.errors}; heap from the warm sample to the end: ${(last.heap - warm.heap).toFixed(1)} MB; fds: ${warm.fds} -> ${last.fds}`);
process.exitCode = counters.errors === 0 ? 0 : 1;
