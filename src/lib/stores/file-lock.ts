import { createHash, randomBytes } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { mkdir, readdir, rename, rm, rmdir, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { SessionStoreError } from "../errors.js";

export interface LockOptions {
  /** Give up (SessionStoreError) after this many milliseconds of waiting. */
  timeout: number;
  /**
   * A holder renews its lock every quarter of this (ms); a lock not renewed
   * for this long is taken over, whoever wrote it: its holder is stuck or gone.
   */
  lease: number;
  /**
   * A directory on the same file system as the locks, where this process
   * keeps its idle lock directories to use again.
   */
  spares: string;
}

/** A holder's proof that it still holds its lock. */
export interface Lease {
  /**
   * Throws a SessionStoreError unless the lock is certainly still held: it was
   * renewed within every half lease so far. Call it just before each write, so
   * that a holder that stalled (a blocked event loop, a stopped process) and
   * may have been taken over never overwrites its successor's work.
   */
  check(): void;
}

/** A spare lock directory not used for this long (ms) is made anew: `FileStore.purge` removes ones idle for 60 s. */
const REUSE_WITHIN = 30_000;
const MAX_SPARES = 16;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Who may judge a lock by its pid: processes in the same pid namespace of the
 * same boot of the same machine. Containers sharing a volume have separate pid
 * spaces, where a pid of one names nothing, or someone else, in another.
 */
function pidSpace(): string {
  const parts = [hostname()];
  try {
    parts.push(readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
  } catch {
    // Not Linux: the host name stands for the machine.
  }
  try {
    parts.push(readlinkSync("/proc/self/ns/pid"));
  } catch {
    // A Linux whose pid namespace cannot be told apart: trust no pid but ours.
    if (process.platform === "linux") parts.push(randomBytes(16).toString("hex"));
  }
  return createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 16);
}

const SPACE = pidSpace();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A holder's entry, `<pid space>.<pid>.<random>`: stale when not renewed for a lease, or when its process is known dead. */
function isStale(name: string, mtimeMs: number, lease: number): boolean {
  if (Date.now() - mtimeMs > lease) return true;
  const [space, pid] = name.split(".");
  const n = Number(pid);
  return space === SPACE && Number.isInteger(n) && n > 0 && n !== process.pid && !alive(n);
}

/**
 * Removes the stale holders' entries from the lock directory `path`. True when
 * the lock may be free now (try again at once), false when a live holder has it.
 */
async function clearStale(path: string, lease: number): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return true;
    if (code !== "ENOTDIR") throw error;
    // A lock file of the earlier format: judged by its age alone.
    const info = await stat(path).catch(() => null);
    if (info && Date.now() - info.mtimeMs <= lease) return false;
    await unlink(path).catch(() => {});
    return true;
  }
  let free = true;
  for (const name of names) {
    const entry = join(path, name);
    const info = await stat(entry).catch(() => null);
    if (!info) continue;
    if (!isStale(name, info.mtimeMs, lease)) {
      free = false;
      continue;
    }
    // Only this very holder's entry goes: its name is unique, so a holder that took over meanwhile is never touched.
    await rm(entry, { recursive: true, force: true });
  }
  return free;
}

/**
 * Removes the lock directory `path` left empty by a holder that could not
 * release it cleanly, once no live holder is in it (a waiter renaming its own
 * lock in meanwhile makes the directory non-empty, and then it stays).
 */
export async function dropLock(path: string, lease: number): Promise<void> {
  if (!(await clearStale(path, lease).catch(() => false))) return;
  await rmdir(path).catch(() => {});
}

/** A lock directory of this process, holding its entry `name`, waiting at `dir` to be renamed onto a lock path. */
interface Staged {
  dir: string;
  name: string;
  /** When the entry's mtime was last set. */
  usedAt: number;
}

const spares = new Map<string, Staged[]>();

/** A lock directory to take a lock with, its entry's mtime fresh: a spare when one was used lately, else a new one. */
async function stage(where: string): Promise<Staged> {
  const idle = spares.get(where);
  for (let s = idle?.pop(); s; s = idle?.pop()) {
    if (Date.now() - s.usedAt >= REUSE_WITHIN) {
      void rm(s.dir, { recursive: true, force: true }).catch(() => {});
      continue;
    }
    const at = Date.now();
    try {
      await utimes(join(s.dir, s.name), at / 1000, at / 1000);
      return { ...s, usedAt: at };
    } catch {
      void rm(s.dir, { recursive: true, force: true }).catch(() => {});
    }
  }
  const name = `${SPACE}.${process.pid}.${randomBytes(8).toString("hex")}`;
  const dir = join(where, `.lock.${name}.tmp`);
  const usedAt = Date.now();
  await mkdir(join(dir, name), { recursive: true, mode: 0o700 });
  return { dir, name, usedAt };
}

function unstage(where: string, s: Staged): void {
  let idle = spares.get(where);
  if (!idle) spares.set(where, (idle = []));
  if (idle.length < MAX_SPARES) idle.push(s);
  else void rm(s.dir, { recursive: true, force: true }).catch(() => {});
}

/** A lock being held: renews its entry, and knows whether it may still be relied on. */
class Holding implements Lease {
  readonly #entry: string;
  readonly #lease: number;
  #renewedAt: number;
  #lapsed = false;
  #renewing = false;
  readonly #timer: NodeJS.Timeout;

  constructor(entry: string, renewedAt: number, lease: number) {
    this.#entry = entry;
    this.#renewedAt = renewedAt;
    this.#lease = lease;
    this.#timer = setInterval(() => this.#renew(), lease / 4);
    this.#timer.unref();
  }

  get renewedAt(): number {
    return this.#renewedAt;
  }

  /** False from the first moment the entry may have looked older than half a lease: others could judge it stale soon. */
  #sound(): boolean {
    if (Date.now() - this.#renewedAt > this.#lease / 2) this.#lapsed = true;
    return !this.#lapsed;
  }

  #renew(): void {
    // One renewal at a time: two in flight could land out of order and leave the older time.
    if (this.#renewing) return;
    this.#renewing = true;
    const at = Date.now();
    utimes(this.#entry, at / 1000, at / 1000).then(
      () => {
        this.#renewing = false;
        if (this.#sound()) this.#renewedAt = at;
      },
      () => {
        this.#renewing = false;
        this.#lapsed = true;
      },
    );
  }

  check(): void {
    if (!this.#sound()) throw new SessionStoreError("file store: a write lost its lock (not renewed within its lease) and was not made");
  }

  /** Stops renewing; true when the lock was held soundly to the end. */
  end(): boolean {
    clearInterval(this.#timer);
    return this.#sound();
  }
}

/**
 * Runs `fn` holding a lock shared by every process (on any host) that uses the
 * directory of `path`.
 *
 * The lock is the directory `path` holding one entry named by its holder. A
 * process takes it by renaming a directory of its own, entry inside, onto
 * `path`: rename(2) takes a missing or empty target and refuses a non-empty
 * one, in one step, so exactly one process gets it, and a killed process
 * leaves either no lock or a whole one. A stale holder is removed by deleting
 * exactly its entry, by its unique name, which can never remove a holder that
 * came in meanwhile: no lock is ever held twice.
 *
 * The holder renews its entry's mtime every quarter lease while it works, so a
 * slow write keeps its lock; a lock not renewed for a lease is taken over, and
 * one whose pid is dead is taken over at once when written in this pid space.
 * A holder that held soundly to the end renames the lock away again (nobody
 * can have taken it over) and keeps it to lock with next time; one that may
 * have been taken over removes only its entry, and that name is never used again.
 */
export async function withFileLock<T>(path: string, options: LockOptions, fn: (lease: Lease) => Promise<T>): Promise<T> {
  const { lease } = options;
  const deadline = Date.now() + options.timeout;
  let staged = await stage(options.spares);
  let delay = 1;
  try {
    for (;;) {
      try {
        await rename(staged.dir, path);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOTDIR") throw error;
      }
      const free = await clearStale(path, lease);
      if (Date.now() > deadline) throw new SessionStoreError(`file store: timed out after ${options.timeout} ms waiting for a session's lock`);
      // A long wait must not make the entry look stale the moment it becomes the lock.
      if (Date.now() - staged.usedAt > lease / 4) {
        const at = Date.now();
        await utimes(join(staged.dir, staged.name), at / 1000, at / 1000);
        staged = { ...staged, usedAt: at };
      }
      if (free) continue;
      await sleep(delay);
      delay = Math.min(delay * 2, 25);
    }
  } catch (error) {
    unstage(options.spares, staged);
    throw error;
  }
  const holding = new Holding(join(path, staged.name), staged.usedAt, lease);
  try {
    return await fn(holding);
  } finally {
    await release(path, staged, holding, options.spares);
  }
}

async function release(path: string, staged: Staged, holding: Holding, where: string): Promise<void> {
  if (holding.end()) {
    try {
      await rename(path, staged.dir);
      unstage(where, { ...staged, usedAt: holding.renewedAt });
      return;
    } catch {
      // Fall back to removing the entry alone.
    }
  }
  await rmdir(join(path, staged.name)).catch(() => {});
}
