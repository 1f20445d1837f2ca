// npm run bench — every benchmark, one after another, and one report:
// bench/results/REPORT.md and bench/results/http.svg (the README embeds both),
// led by the targets against the many-users workload (bench/workloads.ts).
// `npm run bench -- --quick` is a smoke check (a few minutes).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { httpChart, type Bar } from "./chart.js";
import { obstacleSection } from "./obstacles.js";
import { scaleSection } from "./scale-section.js";
import { DESCRIBE, targetTable, type Target, type Workload } from "./workloads.js";

const quick = process.argv.includes("--quick");
const flags = quick ? ["--quick"] : [];
const started = Date.now();

function run(script: string, extra: string[] = []): string {
  const result = spawnSync(process.execPath, [...extra, "--import", "tsx", script, ...flags], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (result.status !== 0) throw new Error(`${script} failed (exit ${result.status})`);
  process.stdout.write(result.stdout);
  return result.stdout.trim();
}

interface Results {
  targets: Target[];
}
/** What a script of this run wrote to bench/results/<name>.json. */
const results = <T extends Results>(name: string) => JSON.parse(readFileSync(`bench/results/${name}.json`, "utf8")) as T;

const version = (pkg: string) => JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, "utf8")).version as string;
const cookie = run("bench/cookie.ts");
const stores = run("bench/stores.ts", ["--expose-gc"]);
const http = run("bench/http.ts");

const date = new Date().toISOString().slice(0, 10);
const machine = `${process.platform} ${process.arch}, ${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const peers = ["@remix-run/node", "react-router", "express", "express-session", "connect-redis", "iron-session", "redis", "pg", "autocannon"]
  .map((p) => `${p} ${version(p)}`)
  .join(", ");

type HttpRow = { variant: string; vsBare: number };
const httpData = results<Results & { workloads: Record<Workload, HttpRow[]> }>("http");
const hot = new Map((httpData.workloads.hot ?? []).map((r) => [r.variant, r.vsBare]));
const bars: Bar[] = (httpData.workloads["many users"] ?? [])
  .filter((r) => r.variant !== "bare")
  .map((r) => ({ variant: r.variant, manyUsers: r.vsBare, hot: hot.get(r.variant) ?? NaN }));
const targets = [...results("cookie").targets, ...results("stores").targets, ...httpData.targets];
const missed = targets.filter((t) => !t.met).length;

const seconds = Math.round((Date.now() - started) / 1000);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/http.svg", httpChart(bars, `${date}, ${machine}${quick ? " (quick run)" : ""}`));
writeFileSync(
  "bench/results/REPORT.md",
  `# tessera benchmark report

${date}${quick ? " (quick run: smoke check only)" : ""} · ${machine}
Peers: ${peers}
Whole run: ${seconds} s. Every table interleaves its candidates in one run; ratios are medians of per-round ratios.

Two workloads, both in every table:
- ${DESCRIBE["many users"]}. The headline figures.
- ${DESCRIBE.hot}.

## The targets, against the many-users workload (${targets.length - missed} of ${targets.length} met)

${targetTable(targets)}

${obstacleSection(targets)}
![HTTP throughput as a share of the bare server, many users and hot](http.svg)

${cookie}

${stores}

${http}

${scaleSection()}`,
);
console.log(`\nwrote bench/results/REPORT.md and bench/results/http.svg in ${seconds} s`);
