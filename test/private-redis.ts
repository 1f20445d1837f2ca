// A redis-server of a test's own, on a free port, that the test may stop and
// start again (the shared server on 6379 is never touched). It keeps an
// append-only file, so its data survives the restart as a real deployment's would.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./helpers.js";

/** `false` when redis-server can be run; a skip reason otherwise (a failure under CI=true). */
export function needRedisServer(): false | string {
  if (spawnSync("redis-server", ["--version"]).status === 0) return false;
  const line = "redis-server is not installed";
  if (process.env.CI === "true") throw new Error(`${line}, and CI=true requires it`);
  console.log(`# skipped: ${line}`);
  return line;
}

export class PrivateRedis {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const dir = await mkdtemp(join(tmpdir(), "tessera-redis-"));
    // A port free when probed can be taken before redis-server binds it (tests run two at a time): another one, then.
    for (let attempt = 1; ; attempt++) {
      const redis = new PrivateRedis(await freePort(), dir);
      try {
        await redis.#spawn();
        return redis;
      } catch (error) {
        if (attempt === 3 || !/Address already in use/.test(String(error))) throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the server (again) and waits until it accepts connections. The port may be held a
   * moment after a stop (by the stopped server's sockets): a start that finds it taken is tried
   * again, for up to five seconds.
   */
  async resume(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#spawn();
      } catch (error) {
        if (attempt === 50 || !/Address already in use/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async #spawn(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", this.dir];
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("Ready to accept connections")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    });
    this.child = child;
  }

  /** Shuts the server down (SIGTERM, as a service manager would) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    child.kill("SIGTERM");
    await once(child, "exit");
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
