// A PostgreSQL server of a test's own (initdb in a temporary directory, a free
// port), that the test may stop and start again; the shared server on 5432 is
// never touched. As root, the server runs as the `postgres` user (PostgreSQL
// refuses to run as root).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./helpers.js";

const ROOT = "/usr/lib/postgresql";

/** The server binaries of the newest installed major, or undefined. */
function binaries(): string | undefined {
  if (!existsSync(ROOT)) return undefined;
  const majors = readdirSync(ROOT).filter((v) => existsSync(join(ROOT, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return majors[0] && join(ROOT, majors[0], "bin");
}

const asRoot = userInfo().uid === 0;

/** `false` when a private PostgreSQL can be run; a skip reason otherwise (a failure under CI=true). */
export function needPrivatePostgres(): false | string {
  const bin = binaries();
  const usable = bin && (!asRoot || spawnSync("runuser", ["-u", "postgres", "--", "true"]).status === 0);
  if (usable) return false;
  const line = "PostgreSQL's server binaries (initdb, postgres) are not installed";
  if (process.env.CI === "true") throw new Error(`${line}, and CI=true requires them`);
  console.log(`# skipped: ${line}`);
  return line;
}

/** `command args…`, as the postgres user when this process is root. */
function run(command: string, args: string[]) {
  return asRoot ? (["runuser", ["-u", "postgres", "--", command, ...args]] as const) : ([command, args] as const);
}

export class PrivatePostgres {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const bin = binaries()!;
    const dir = await mkdtemp(join(tmpdir(), "tessera-pg-"));
    if (asRoot) {
      const { uid, gid } = userIdsOf("postgres");
      await chown(dir, uid, gid);
    }
    const [cmd, args] = run(join(bin, "initdb"), ["-D", join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync"]);
    const init = spawnSync(cmd, args, { encoding: "utf8" });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    const pg = new PrivatePostgres(await freePort(), dir, bin);
    await pg.resume();
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts the server (again) and waits until it accepts connections. */
  async resume(): Promise<void> {
    const settings = ["-D", join(this.dir, "data"), "-p", String(this.port), "-k", this.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"];
    const [cmd, args] = run(join(this.bin, "postgres"), settings);
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on("data", (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes("ready to accept connections")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`postgres exited (${code}): ${log}`)));
    });
    this.child = child;
  }

  /** Shuts the server down ("fast" shutdown, SIGINT, as `pg_ctl stop` does) and waits for it. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, "exit");
    // As root the child is runuser; the server is its child: signal the server by its pid file.
    const pid = spawnSync("head", ["-1", join(this.dir, "data", "postmaster.pid")], { encoding: "utf8" }).stdout.trim();
    process.kill(Number(pid), "SIGINT");
    await exited;
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function userIdsOf(name: string): { uid: number; gid: number } {
  const out = spawnSync("id", ["-u", name], { encoding: "utf8" }).stdout.trim();
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" }).stdout.trim();
  return { uid: Number(out), gid: Number(gid) };
}
