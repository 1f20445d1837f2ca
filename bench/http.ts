// npm run bench:http — session cost per request over real HTTP, under both
// workloads (bench/workloads.ts). Every measurement is a node:http server
// process of its own; autocannon drives them from this process, one after
// another in rotating order, round after round. Not a test.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import autocannon from "autocannon";
import { fmt, machine } from "./harness.js";
import { DESCRIBE, pick, targetTable, USERS, WORKLOADS, writeResults, type Target, type Workload } from "./workloads.js";

const quick = process.argv.includes("--quick");
const ROUNDS = Number(process.argv.find((a) => a.startsWith("--rounds="))?.slice(9) ?? (quick ? 1 : 10));
const SECONDS = quick ? 1 : 2;
const WARM_UP = quick ? 0.5 : 1;
/**
 * Enough connections that autocannon always has a response to read. With 10,
 * the client sleeps between responses, every response the server writes pays
 * for waking it (inside the server's writev: 40% of its CPU in profiles), and
 * that cost grows as the server slows, which exaggerates every difference.
 */
const CONNECTIONS = Number(process.argv.find((a) => a.startsWith("--connections="))?.slice(14) ?? 100);

/** What revocation costs a signed-in cookie session, over Redis: measured with --only, not in the default run. */
const OPT_IN = ["tessera cookie signed-in", "tessera revocable 10s", "tessera revocable 1s"];

const CORE = [
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
  "hand-written file",
  "tessera file",
  "remix file",
  "hand-written redis",
  "tessera redis",
  "express-session redis",
  ...OPT_IN,
];

/**
 * The framework servers (bench/frameworks/<name>.ts, one variant per process):
 * the bare framework, with a tessera cookie session, and with its usual session
 * packages, each doing the same counter. A variant is named "<framework> <variant>".
 */
const FRAMEWORKS: Record<string, string[]> = {
  fastify: ["bare", "tessera", "@fastify/secure-session", "@fastify/session"],
  koa: ["bare", "tessera", "koa-session"],
  h3: ["bare", "tessera", "h3 useSession"],
  sveltekit: ["bare", "tessera", "hand-written event.cookies"],
  next: ["bare", "tessera", "iron-session"],
};
/** The framework and its server's variant, of a framework variant. */
function frameworkOf(variant: string): { framework: string; sub: string } | undefined {
  const space = variant.indexOf(" ");
  const framework = variant.slice(0, space);
  return FRAMEWORKS[framework] ? { framework, sub: variant.slice(space + 1) } : undefined;
}
const FRAMEWORK_VARIANTS = Object.entries(FRAMEWORKS)
  .filter(([framework]) => existsSync(`bench/frameworks/${framework}.ts`))
  .flatMap(([framework, subs]) => subs.map((sub) => `${framework} ${sub}`));
const ALL = [...CORE, ...FRAMEWORK_VARIANTS];
type Variant = string;

/** `--only=a,b`: measure just these variants (for a focused comparison). */
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",")
  .flatMap((v) => (v === "frameworks" ? FRAMEWORK_VARIANTS : [v]));
/** `--workload=hot` or `--workload="many users"`: one workload only (for a focused comparison). */
const workloadArg = process.argv.find((a) => a.startsWith("--workload="))?.slice(11);
const RUN_WORKLOADS = WORKLOADS.filter((w) => !workloadArg || w === workloadArg);
let variants: Variant[] = only ? ALL.filter((v) => only.includes(v)) : ALL.filter((v) => !OPT_IN.includes(v));

/** Who each tessera variant is measured against. */
const KIND: Partial<Record<Variant, { floor: Variant; peers: Variant[] }>> = {
  "tessera cookie": { floor: "hand-written cookie", peers: ["iron-session"] },
  "tessera signed cookie": { floor: "hand-written signed cookie", peers: ["remix cookie"] },
  "tessera memory": { floor: "hand-written map", peers: ["remix memory", "express-session"] },
  "tessera/node memory": { floor: "hand-written map", peers: ["remix memory", "express-session"] },
  "tessera file": { floor: "hand-written file", peers: ["remix file"] },
  "tessera redis": { floor: "hand-written redis", peers: ["express-session redis"] },
  "tessera revocable 10s": { floor: "tessera cookie signed-in", peers: [] },
  "tessera revocable 1s": { floor: "tessera cookie signed-in", peers: [] },
};
/** Variants that keep no session: their many users send random cookie-sized values, so that the requests weigh the same. */
const NO_SESSION = new Set<Variant>(["bare", "cookie echo", ...FRAMEWORK_VARIANTS.filter((v) => v.endsWith(" bare"))]);

interface Server {
  child: ChildProcess;
  url: string;
  /** The cookie of the hot workload's one session. */
  cookie: string;
}

class Skipped extends Error {}

async function start(variant: Variant): Promise<Server> {
  // BENCH_CPU_PROF=<dir>: each server writes its CPU profiles into <dir>/<variant> when it stops (read with bench/profile-top.mjs).
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${variant.replace(/\W+/g, "-")}`] : [];
  const fw = frameworkOf(variant);
  const script = fw ? [`bench/frameworks/${fw.framework}.ts`, fw.sub] : ["bench/http-server.ts", variant];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", ...script], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await Promise.race([
    once(child.stdout!, "data").then(([chunk]) => (chunk as Buffer).toString().trim()),
    once(child, "exit").then(([code]) => {
      throw new Skipped(`${variant}: its server did not start (exit ${code})`);
    }),
  ]);
  const url = `http://127.0.0.1:${port}/`;
  const first = await fetch(url);
  await first.text();
  const setCookies = first.headers.getSetCookie();
  return { child, url, cookie: setCookies.map(pair).join("; ") };
}

const pair = (setCookie: string) => setCookie.slice(0, setCookie.indexOf(";") < 0 ? undefined : setCookie.indexOf(";"));

/**
 * The `name=value` pairs of the Set-Cookie lines among autocannon's response
 * headers (raw names, any case), as one Cookie header: koa-session sends its
 * signature as a second cookie.
 */
function setCookieOf(headers: Record<string, string | string[]>): string | undefined {
  for (const name in headers) {
    if (name.length !== 10 || name.toLowerCase() !== "set-cookie") continue;
    const v = headers[name]!;
    return Array.isArray(v) ? v.map(pair).join("; ") : pair(v);
  }
  return undefined;
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

/** Hot: every connection sends the one session's cookie, as before a response ever changes it. */
function runHot(server: Server, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: server.url, connections: CONNECTIONS, duration: seconds, headers: server.cookie ? { cookie: server.cookie } : {} });
}

/**
 * Many users: each request carries the cookie of a user picked at random, and
 * a response's Set-Cookie replaces that user's cookie, as the user's browser
 * would. A connection has one request in flight, so its context names the user
 * its response belongs to.
 */
function runMany(server: Server, cookies: string[], seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        setupRequest: (req, context: { user?: number }) => {
          const i = pick(cookies.length);
          context.user = i;
          // autocannon hands each request a fresh copy of the headers.
          req.headers!.cookie = cookies[i]!;
          return req;
        },
        onResponse: (_status, _body, context: { user?: number }, headers) => {
          const c = setCookieOf(headers as Record<string, string | string[]>);
          if (c && context.user !== undefined) cookies[context.user] = c;
        },
      },
    ],
  } as autocannon.Options);
}

/** USERS sessions made on this server by requests without a cookie, each keeping the cookie it was given. */
async function seed(server: Server, variant: Variant): Promise<string[]> {
  if (NO_SESSION.has(variant)) return Array.from({ length: USERS }, () => `s=${randomBytes(110).toString("base64url")}`);
  const cookies: string[] = [];
  for (let attempt = 0; cookies.length < USERS && attempt < 3; attempt++) {
    await autocannon({
      url: server.url,
      connections: 50,
      amount: USERS - cookies.length,
      requests: [{ onResponse: (_s, _b, _c, headers) => void (setCookieOf(headers as Record<string, string | string[]>) && cookies.push(setCookieOf(headers as Record<string, string | string[]>)!)) }],
    } as autocannon.Options);
  }
  if (cookies.length < USERS) throw new Error(`${variant}: only ${cookies.length} of ${USERS} sessions could be made`);
  return cookies.slice(0, USERS);
}

let current: Server | undefined;

interface Measured {
  result: autocannon.Result;
  cpuMicros: number;
}

/**
 * One round of a variant, on a server process of its own: the hot workload
 * first (the process holds one session, as a fresh server would), then the
 * many users are made and measured in the same process. Each is warmed up
 * first. A process keeps its luck (how V8 compiled its hot paths, where its
 * heap landed) for its whole life: with one process per variant for the whole
 * run, the same variant measured 20% apart between two runs, and the bare
 * server once came out slower than the cookie echo. A fresh process per round
 * spreads that luck over the rounds.
 */
async function measure(variant: Variant): Promise<Partial<Record<Workload, Measured>>> {
  const server = (current = await start(variant));
  const out: Partial<Record<Workload, Measured>> = {};
  const timed = async (run: (seconds: number) => Promise<autocannon.Result>): Promise<Measured> => {
    await run(WARM_UP);
    const before = cpuSeconds(server);
    const result = await run(SECONDS);
    return { result, cpuMicros: ((cpuSeconds(server) - before) / result.requests.total) * 1e6 };
  };
  try {
    if (RUN_WORKLOADS.includes("hot")) out.hot = await timed((s) => runHot(server, s));
    if (RUN_WORKLOADS.includes("many users")) {
      const cookies = await seed(server, variant);
      out["many users"] = await timed((s) => runMany(server, cookies, s));
    }
    return out;
  } finally {
    await stop(server);
    current = undefined;
  }
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, "exit");
  server.child.kill();
  // Its sessions go first: 10,000 files or Redis keys.
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Stats {
  rps: number[];
  p99: number[];
  cpu: number[];
  errors: number;
}

const started = Date.now();
try {
  const stats = Object.fromEntries(RUN_WORKLOADS.map((w) => [w, new Map<Variant, Stats>(variants.map((v) => [v, { rps: [], p99: [], cpu: [], errors: 0 }]))])) as Record<
    Workload,
    Map<Variant, Stats>
  >;
  const skipped: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
    for (const v of order) {
      let m: Partial<Record<Workload, Measured>>;
      try {
        m = await measure(v);
      } catch (error) {
        if (!(error instanceof Skipped)) throw error;
        // A variant that cannot run (Redis down) leaves every table, so that the rounds stay paired.
        skipped.push(error.message);
        variants = variants.filter((x) => x !== v);
        for (const w of RUN_WORKLOADS) stats[w].delete(v);
        continue;
      }
      for (const w of RUN_WORKLOADS) {
        const s = stats[w].get(v)!;
        const { result, cpuMicros } = m[w]!;
        s.rps.push(result.requests.average);
        s.p99.push(result.latency.p99);
        s.cpu.push(cpuMicros);
        s.errors += result.errors + result.non2xx;
      }
    }
  }

  /** Median of per-round ratios a/b: both measured in the same round. */
  const ratio = (w: Workload, a: Variant, b: Variant) => {
    const x = stats[w].get(a);
    const y = stats[w].get(b);
    return x && y ? median(x.rps.map((n, i) => n / y.rps[i]!)) : NaN;
  };
  /**
   * The same comparison by server CPU per request: b's CPU over a's, so that it
   * reads like the req/s ratio (above 1: a is cheaper). The many-users client
   * builds every request anew on the same two cores (it halved the bare
   * server's req/s, measured), which squeezes req/s ratios toward 1; this one
   * it leaves alone.
   */
  const cpuRatio = (w: Workload, a: Variant, b: Variant) => {
    const x = stats[w].get(a);
    const y = stats[w].get(b);
    return x && y ? median(x.cpu.map((n, i) => y.cpu[i]! / n)) : NaN;
  };
  const times = (x: number) => (Number.isNaN(x) ? "" : `${x.toFixed(2)}x`);
  /** The best (fastest) peer of a tessera variant's kind, and the ratio to it. */
  const bestPeer = (w: Workload, v: Variant) => {
    const peers = (KIND[v]?.peers ?? []).filter((p) => stats[w].has(p));
    if (!peers.length) return undefined;
    const byRatio = peers.map((p) => ({ peer: p, ratio: ratio(w, v, p) })).sort((a, b) => a.ratio - b.ratio);
    return byRatio[0]!;
  };

  const date = new Date().toISOString().slice(0, 10);
  const lines: string[] = [];
  lines.push(`# HTTP: read the session, increment a counter, save (node:http, autocannon, ${CONNECTIONS} connections)`);
  lines.push(
    `${date}${quick ? " (quick run)" : ""}, ${machine()}, ${cpus().length} x ${cpus()[0]?.model}; ${ROUNDS} rounds of ${SECONDS} s per variant and workload, interleaved; ` +
      `each round of a variant is a fresh server process: ${WARM_UP} s of warm-up and the hot workload, then ${fmt(USERS)} sessions made by requests without a cookie, ${WARM_UP} s of warm-up and the many users.`,
  );
  lines.push("Ratios are medians of per-round ratios; server CPU per request is the server process's user + system time from /proc, which swings far less than req/s on a shared machine.\n");
  for (const w of RUN_WORKLOADS) {
    lines.push(`## ${DESCRIBE[w]}\n`);
    lines.push("| variant | req/s (median) | min | max | p99 ms | vs bare | vs hand-written | vs best peer | server CPU per request |");
    lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const [v, s] of stats[w]) {
      const kind = KIND[v];
      const peer = bestPeer(w, v);
      const cpu = median(s.cpu);
      lines.push(
        `| ${v} | ${fmt(median(s.rps))} | ${fmt(Math.min(...s.rps))} | ${fmt(Math.max(...s.rps))} | ${median(s.p99)} | ${times(ratio(w, v, "bare"))} | ` +
          `${kind ? times(ratio(w, v, kind.floor)) : ""} | ${peer ? `${times(peer.ratio)} (${peer.peer})` : ""} | ${Number.isNaN(cpu) ? "" : `${cpu.toFixed(1)} us`} |`,
      );
    }
    const failed = [...stats[w]].filter(([, s]) => s.errors > 0);
    if (failed.length) lines.push(`\nerrors or non-2xx: ${failed.map(([v, s]) => `${v} ${s.errors}`).join(", ")}`);
    if (stats[w].has("tessera cookie") && stats[w].has("remix cookie") && stats[w].has("hand-written cookie")) {
      // Peers are paired by protection; this is the one pairing across it, shown for the record.
      lines.push(
        `\nEncrypted against signed-only (${w}): tessera cookie is ${times(ratio(w, "tessera cookie", "remix cookie"))} Remix's signed cookie, ` +
          `the hand-written AES-256-GCM cookie ${times(ratio(w, "hand-written cookie", "remix cookie"))}.`,
      );
    }
    lines.push("");
  }
  const frameworks = Object.keys(FRAMEWORKS).filter((f) => stats[RUN_WORKLOADS[0]!].has(`${f} tessera`));
  for (const w of RUN_WORKLOADS) {
    if (!frameworks.length) break;
    lines.push(`## Frameworks, ${w}: each framework bare, with a tessera cookie session, and with its usual session package\n`);
    lines.push("| framework | bare req/s | tessera vs bare | usual package vs bare | tessera vs usual package | tessera CPU per request vs usual package |");
    lines.push("|---|---:|---:|---:|---:|---:|");
    for (const f of frameworks) {
      const peers = FRAMEWORKS[f]!.filter((sub) => sub !== "bare" && sub !== "tessera" && stats[w].has(`${f} ${sub}`));
      const bare = stats[w].get(`${f} bare`);
      for (const sub of peers) {
        lines.push(
          `| ${f} | ${bare ? fmt(median(bare.rps)) : ""} | ${times(ratio(w, `${f} tessera`, `${f} bare`))} | ${sub}: ${times(ratio(w, `${f} ${sub}`, `${f} bare`))} | ` +
            `${times(ratio(w, `${f} tessera`, `${f} ${sub}`))} | ${times(cpuRatio(w, `${f} tessera`, `${f} ${sub}`))} |`,
        );
      }
    }
    lines.push("");
  }
  for (const line of skipped) lines.push(`skipped: ${line}`);

  const targets: Target[] = [];
  const headline: Workload = RUN_WORKLOADS.includes("many users") ? "many users" : "hot";
  for (const v of variants) {
    const kind = KIND[v];
    if (!kind) continue;
    const floor = ratio(headline, v, kind.floor);
    if (!Number.isNaN(floor)) {
      targets.push({
        target: `${v} >= 0.9x ${kind.floor}`,
        measured: `${times(floor)} (by CPU ${times(cpuRatio(headline, v, kind.floor))})`,
        met: floor >= 0.9,
        note: `${((1 - floor / 0.9) * 100).toFixed(0)}% short`,
      });
    }
    const peer = bestPeer(headline, v);
    if (peer) {
      targets.push({
        target: `${v} >= 1.5x the best peer (${peer.peer})`,
        measured: `${times(peer.ratio)} (by CPU ${times(cpuRatio(headline, v, peer.peer))})`,
        met: peer.ratio >= 1.5,
        note: `${((1 - peer.ratio / 1.5) * 100).toFixed(0)}% short`,
      });
    }
  }
  lines.push("Each target is judged on req/s; the figure in brackets is the same ratio by server CPU per request (the other's CPU over tessera's).\n");
  lines.push(headline === "many users" ? targetTable(targets) : targetTable(targets).replace("target (many users)", "target (hot: a focused run)"));
  lines.push(`\nWhole HTTP run: ${Math.round((Date.now() - started) / 1000)} s.`);
  const report = lines.join("\n");
  console.log(report);
  if (!only && !workloadArg) {
    // A focused run is not the report.
    await mkdir("bench/results", { recursive: true });
    await writeFile("bench/results/http.md", `${report}\n`);
    writeResults("http", {
      date,
      quick,
      targets,
      workloads: Object.fromEntries(
        RUN_WORKLOADS.map((w) => [
          w,
          [...stats[w]].map(([v, s]) => ({ variant: v, median: median(s.rps), vsBare: ratio(w, v, "bare"), p99: median(s.p99), cpuMicros: median(s.cpu) })),
        ]),
      ),
    });
  }
} finally {
  if (current) await stop(current);
}
