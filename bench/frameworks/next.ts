// One Next.js 16 server of the framework benchmarks, one variant per process: a Route Handler
// answering "ok", tessera's `route()` over a cookie storage, and iron-session doing the same
// counter. The app (bench/frameworks/next-app) is built with `next build` when it or dist/ is
// newer than its last build, then run with `next start`; this process prints its port.
//   node --import tsx bench/frameworks/next.ts <variant>    (prints the port)
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const VARIANTS = ["bare", "tessera", "iron-session"];
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const APP = join(ROOT, "bench/frameworks/next-app");
const NEXT = join(ROOT, "node_modules/next/dist/bin/next");

const name = process.argv[2]!;
if (!VARIANTS.includes(name)) {
  console.error(`unknown variant ${name}; one of: ${VARIANTS.join(", ")}`);
  process.exit(2);
}

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === ".next" || entry.name === "next-env.d.ts" || entry.name.endsWith(".tsbuildinfo")) continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", BENCH_VARIANT: name };
const buildId = join(APP, ".next/BUILD_ID");
if (!existsSync(buildId) || statSync(buildId).mtimeMs < Math.max(newest(APP), newest(join(ROOT, "dist")))) {
  // The build's own output goes to stderr: stdout carries the port only.
  execFileSync(process.execPath, [NEXT, "build"], { cwd: APP, env, stdio: ["ignore", 2, 2] });
}

const child = spawn(process.execPath, [NEXT, "start", "-H", "127.0.0.1", "-p", "0"], { cwd: APP, env, stdio: ["ignore", "pipe", "inherit"] });
let out = "";
let listening = false;
let stopping = false;
child.stdout.on("data", (chunk: Buffer) => {
  if (listening) return;
  out += chunk.toString();
  const port = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
  if (port) {
    listening = true;
    process.stdout.write(`${port}\n`);
  }
});
child.once("exit", (code) => {
  if (stopping) return;
  console.error(`next start exited (${code}): ${out}`);
  process.exit(3);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    process.exit(0);
  });
}
