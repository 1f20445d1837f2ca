// examples/next as the tests run it: `next build` once per test run (skipped when the build is
// newer than the example, src/ and dist/), then `next start` on 127.0.0.1, one process per
// storage. The app builds its own storage from the environment (lib/storage.ts).
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const APP_DIR = join(ROOT, "examples/next");
const NEXT_BIN = join(ROOT, "node_modules/next/dist/bin/next");
const BUILD_ID = join(APP_DIR, ".next/BUILD_ID");
const GENERATED = new Set([".next", "next-env.d.ts", "node_modules"]);

/** The newest mtime under `dir` of the files `keep` accepts. */
function newest(dir: string, keep: (name: string) => boolean): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (GENERATED.has(entry.name) || entry.name.endsWith(".tsbuildinfo")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path, keep));
    else if (keep(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

const isSource = (name: string) => name.endsWith(".ts") && !name.endsWith(".test.ts");

let built: Promise<{ seconds: number | null }> | undefined;

/**
 * Builds dist/ when a source is newer than it, then examples/next when anything it is made of
 * is newer than its last build. Resolves with the build's duration, or null when it was current.
 */
export function buildOnce(): Promise<{ seconds: number | null }> {
  return (built ??= Promise.resolve().then(() => {
    const dist = join(ROOT, "dist");
    if (!existsSync(join(dist, "next.js")) || newest(join(ROOT, "src"), isSource) > newest(dist, (n) => n.endsWith(".js"))) {
      execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
    }
    const inputs = Math.max(newest(APP_DIR, () => true), newest(dist, (n) => n.endsWith(".js")));
    if (existsSync(BUILD_ID) && statSync(BUILD_ID).mtimeMs > inputs) return { seconds: null };
    const started = Date.now();
    execFileSync(process.execPath, [NEXT_BIN, "build"], { cwd: APP_DIR, stdio: ["ignore", "ignore", "inherit"], env: nextEnv({}) });
    const seconds = (Date.now() - started) / 1000;
    console.log(`next build of examples/next: ${seconds.toFixed(1)} s`);
    return { seconds };
  }));
}

function nextEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env };
}

export interface NextServer {
  url: string;
  close(): Promise<void>;
}

/** `next start` of the built example with `env` (SESSION_STORAGE, REDIS_URL, ...); resolves once it listens. */
export async function startNext(env: Record<string, string | undefined>): Promise<NextServer> {
  await buildOnce();
  const child = spawn(process.execPath, [NEXT_BIN, "start", "-H", "127.0.0.1", "-p", "0"], {
    cwd: APP_DIR,
    env: nextEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const collect = (chunk: Buffer) => void (out += chunk.toString());
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`next start did not listen within 30 s: ${out}`)), 30_000);
    child.stdout.on("data", () => {
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (m) (clearTimeout(timer), resolve(m[0]));
    });
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`next start exited (${code}): ${out}`))));
  });
  return {
    url,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
