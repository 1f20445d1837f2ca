// test/frameworks/sveltekit-app as the tests (and the benchmark) run it: `vite build` once per
// run (skipped when the build is newer than the app and src/, which the app compiles in through
// its Vite aliases), then `node build/index.js` (adapter-node) on 127.0.0.1, one process per
// storage. The app builds its own storage from the environment (src/lib/server/storage.ts).
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const APP_DIR = join(ROOT, "test/frameworks/sveltekit-app");
const VITE_BIN = join(ROOT, "node_modules/vite/bin/vite.js");
const ENTRY = join(APP_DIR, "build/index.js");
const GENERATED = new Set([".svelte-kit", "build", "node_modules"]);

/** The newest mtime of the files under `dir`, generated ones aside. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (GENERATED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

let built: Promise<{ seconds: number | null }> | undefined;

/**
 * Builds the app when it or src/ is newer than its last build. Resolves with the
 * build's duration, or null when the build was current. `log` takes the line
 * that tells the duration (the benchmark's stdout carries its port only).
 */
export function buildOnce(log: (line: string) => void = console.log): Promise<{ seconds: number | null }> {
  return (built ??= Promise.resolve().then(() => {
    if (existsSync(ENTRY) && statSync(ENTRY).mtimeMs > Math.max(newest(APP_DIR), newest(join(ROOT, "src")))) return { seconds: null };
    const started = Date.now();
    execFileSync(process.execPath, [VITE_BIN, "build"], { cwd: APP_DIR, stdio: ["ignore", "ignore", "inherit"] });
    const seconds = (Date.now() - started) / 1000;
    log(`vite build of test/frameworks/sveltekit-app: ${seconds.toFixed(1)} s`);
    return { seconds };
  }));
}

/** A port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

export interface SvelteKitServer {
  url: string;
  close(): Promise<void>;
}

/**
 * `node build/index.js` with `env` (SESSION_STORAGE, REDIS_URL, ...); resolves once it listens.
 * adapter-node takes a request's URL to be https unless ORIGIN says otherwise, so ORIGIN names
 * the plain-http address it listens on (its port chosen first): SvelteKit's CSRF check compares
 * a form POST's Origin with it, and the session's commit reads the scheme from it.
 */
export async function startSvelteKit(env: Record<string, string | undefined>): Promise<SvelteKitServer> {
  await buildOnce();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [ENTRY], {
    cwd: APP_DIR,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), ORIGIN: url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const collect = (chunk: Buffer) => void (out += chunk.toString());
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node build/index.js did not listen within 30 s: ${out}`)), 30_000);
    child.stdout.on("data", () => {
      if (out.includes(`Listening on ${url}`)) (clearTimeout(timer), resolve());
    });
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`node build/index.js exited (${code}): ${out}`))));
  });
  return {
    url,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // adapter-node closes its connections and exits; a process that hangs on is not waited for.
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.kill("SIGTERM");
      await once(child, "exit");
      clearTimeout(killer);
    },
  };
}
