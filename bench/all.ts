// npm run bench — every benchmark, one after another, and one report:
// bench/results/REPORT.md and bench/results/http.svg (the README embeds both).
// `npm run bench -- --quick` is a smoke check (a minute or two).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { httpChart, type Bar } from "./chart.js";

const quick = process.argv.includes("--quick");
const flags = quick ? ["--quick"] : [];
const started = Date.now();

function run(script: string, extra: string[] = []): string {
  const result = spawnSync(process.execPath, [...extra, "--import", "tsx", script, ...flags], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (result.status !== 0) throw new Error(`${script} failed (exit ${result.status})`);
  process.stdout.write(result.stdout);
  return result.stdout.trim();
}

const version = (pkg: string) => JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, "utf8")).version as string;
const cookie = run("bench/cookie.ts");
const stores = run("bench/stores.ts", ["--expose-gc"]);
const http = run("bench/http.ts");

const date = new Date().toISOString().slice(0, 10);
const machine = `${process.platform} ${process.arch}, ${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const peers = ["@remix-run/node", "react-router", "express", "express-session", "connect-redis", "iron-session", "redis", "pg", "autocannon"]
  .map((p) => `${p} ${version(p)}`)
  .join(", ");
const bars = (JSON.parse(readFileSync("bench/results/http.json", "utf8")) as Bar[]).filter((b) => b.variant !== "bare");
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/http.svg", httpChart(bars, `${date}, ${machine}${quick ? " (quick run)" : ""}`));
writeFileSync(
  "bench/results/REPORT.md",
  `# tessera benchmark report

${date}${quick ? " (quick run: smoke check only)" : ""} · ${machine}
Peers: ${peers}
Whole run: ${Math.round((Date.now() - started) / 1000)} s. Every table interleaves its candidates in one run; ratios are medians of per-round ratios.

${cookie}

${stores}

${http}

![HTTP throughput as a share of the bare server](http.svg)
`,
);
console.log(`\nwrote bench/results/REPORT.md and bench/results/http.svg in ${Math.round((Date.now() - started) / 1000)} s`);
