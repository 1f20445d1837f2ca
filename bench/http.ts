// npm run bench:http — session cost per request over real HTTP. Every
// measurement is a node:http server process of its own; autocannon drives them
// from this process, one after another in rotating order, round after round.
// Not a test.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import autocannon from "autocannon";
import { fmt, machine } from "./harness.js";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 1 : 10;
const SECONDS = quick ? 1 : 2;
/**
 * Enough connections that autocannon always has a response to read. With 10,
 * the client sleeps between responses, every response the server writes pays
 * for waking it (inside the server's writev: 40% of its CPU in profiles), and
 * that cost grows as the server slows, which exaggerates every difference.
 */
const CONNECTIONS = Number(process.argv.find((a) => a.startsWith("--connections="))?.slice(14) ?? 100);

const ALL = [
  "bare",
  "cookie echo",
  "hand-written cookie",
  "tessera cookie",
  "iron-session",
  "hand-written signed cookie",
  "tessera signed cookie",
  "remix cookie",
  "hand-written map",
  "tessera memory",
  "tessera/node memory",
  "remix memory",
  "express-session",
] as const;
type Variant = (typeof ALL)[number];

/** `--only=a,b`: measure just these variants (for a focused comparison). */
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const VARIANTS: readonly Variant[] = only ? ALL.filter((v) => only.includes(v)) : ALL;

/** Who each tessera variant is measured against. */
const KIND: Partial<Record<Variant, { floor: Variant; peers: Variant[] }>> = {
  "tessera cookie": { floor: "hand-written cookie", peers: ["iron-session"] },
  "tessera signed cookie": { floor: "hand-written signed cookie", peers: ["remix cookie"] },
  "tessera memory": { floor: "hand-written map", peers: ["remix memory", "express-session"] },
  "tessera/node memory": { floor: "hand-written map", peers: ["remix memory", "express-session"] },
};

interface Server {
  child: ChildProcess;
  url: string;
  cookie: string;
}

async function start(variant: Variant): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/http-server.ts", variant], { stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  const url = `http://127.0.0.1:${chunk.toString().trim()}/`;
  const first = await fetch(url);
  await first.text();
  const setCookie = first.headers.getSetCookie()[0];
  return { child, url, cookie: setCookie ? setCookie.slice(0, setCookie.indexOf(";")) : "" };
}

/**
 * CPU seconds (user + system) a server process has used, from /proc on Linux;
 * NaN elsewhere. Throughput on a shared machine swings with the neighbours;
 * the CPU a server spends per request swings much less.
 */
function cpuSeconds(server: Server): number {
  try {
    const stat = readFileSync(`/proc/${server.child.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

function run(server: Server, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: server.url, connections: CONNECTIONS, duration: seconds, headers: server.cookie ? { cookie: server.cookie } : {} });
}

let current: Server | undefined;

/**
 * One measurement, on a server process of its own, warmed up first. A process
 * keeps its luck (how V8 compiled its hot paths, where its heap landed) for its
 * whole life: with one process per variant for the whole run, the same variant
 * measured 20% apart between two runs, and the bare server once came out slower
 * than the cookie echo. A fresh process per round spreads that luck over the rounds.
 */
async function measure(variant: Variant): Promise<{ result: autocannon.Result; cpuMicros: number }> {
  const server = (current = await start(variant));
  try {
    await run(server, WARM_UP);
    const before = cpuSeconds(server);
    const result = await run(server, SECONDS);
    return { result, cpuMicros: ((cpuSeconds(server) - before) / result.requests.total) * 1e6 };
  } finally {
    await stop(server);
    current = undefined;
  }
}
const WARM_UP = quick ? 0.5 : 1;

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, "exit");
  server.child.kill();
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 2000);
  await exited;
  clearTimeout(timer);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
  const rps = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const p99 = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const cpu = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const errors = new Map<Variant, number>(VARIANTS.map((v) => [v, 0]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < VARIANTS.length; i++) {
      const v = VARIANTS[(i + r) % VARIANTS.length]!;
      const { result, cpuMicros } = await measure(v);
      cpu.get(v)!.push(cpuMicros);
      rps.get(v)!.push(result.requests.average);
      p99.get(v)!.push(result.latency.p99);
      errors.set(v, errors.get(v)! + result.errors + result.non2xx);
    }
  }
  /** Median of per-round ratios a/b: both measured in the same round. */
  const ratio = (a: Variant, b: Variant) => (rps.has(b) ? median(rps.get(a)!.map((x, i) => x / rps.get(b)![i]!)) : NaN);
  const times = (x: number) => (Number.isNaN(x) ? "" : `${x.toFixed(2)}x`);
  const perRequest = (v: Variant) => {
    const us = median(cpu.get(v)!);
    return Number.isNaN(us) ? "" : `${us.toFixed(1)} us`;
  };

  const lines: string[] = [];
  lines.push(`# HTTP: read the session, increment a counter, save (node:http, autocannon, ${CONNECTIONS} connections)`);
  lines.push(`${new Date().toISOString().slice(0, 10)}, ${machine()}, ${cpus().length} x ${cpus()[0]?.model}; ${ROUNDS} rounds of ${SECONDS} s per variant, interleaved, each on a fresh server process after ${WARM_UP} s of warm-up\n`);
  lines.push("| variant | req/s (median) | min | max | p99 ms | vs bare | vs hand-written | vs best peer | server CPU per request |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const v of VARIANTS) {
    const xs = rps.get(v)!;
    const kind = KIND[v];
    const floor = kind ? times(ratio(v, kind.floor)) : "";
    const peers = kind ? kind.peers.filter((p) => rps.has(p)) : [];
    const peer = peers.length ? times(Math.min(...peers.map((p) => ratio(v, p)))) : "";
    lines.push(
      `| ${v} | ${fmt(median(xs))} | ${fmt(Math.min(...xs))} | ${fmt(Math.max(...xs))} | ${median(p99.get(v)!)} | ${times(ratio(v, "bare"))} | ${floor} | ${peer} | ${perRequest(v)} |`,
    );
  }
  const failed = [...errors].filter(([, n]) => n > 0);
  if (failed.length) lines.push(`\nerrors or non-2xx: ${failed.map(([v, n]) => `${v} ${n}`).join(", ")}`);
  lines.push("\nTargets: each tessera variant >= 0.85x its hand-written counterpart and >= 1.5x the best peer of its kind.");
  if (rps.has("tessera cookie") && rps.has("remix cookie") && rps.has("hand-written cookie")) {
    // Peers are paired by protection; this is the one pairing across it, shown for the record.
    lines.push(
      `Encrypted against signed-only: tessera cookie is ${times(ratio("tessera cookie", "remix cookie"))} Remix's signed cookie, ` +
        `the hand-written AES-256-GCM cookie ${times(ratio("hand-written cookie", "remix cookie"))}.`,
    );
  }
  const report = lines.join("\n");
  console.log(report);
  if (!only) {
    // A focused run is not the report.
    await mkdir("bench/results", { recursive: true });
    await writeFile("bench/results/http.md", `${report}\n`);
    const data = VARIANTS.map((v) => ({ variant: v, median: median(rps.get(v)!), vsBare: ratio(v, "bare"), p99: median(p99.get(v)!), cpuMicros: median(cpu.get(v)!) }));
    await writeFile("bench/results/http.json", JSON.stringify(data, null, 2));
  }
} finally {
  if (current) await stop(current);
}
