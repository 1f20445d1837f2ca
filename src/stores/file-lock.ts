import { randomBytes } from "node:crypto";
import { link, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { SessionStoreError } from "../errors.js";

export interface LockOptions {
  /** Give up (SessionStoreError) after this many milliseconds of waiting. */
  timeout: number;
  /** A lock older than this (ms) is taken over: its holder is stuck or gone. */
  stale: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when the lock at `path` was left by a dead process or is older than `staleMs`. */
async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const [pid, at] = (await readFile(path, "utf8")).split(" ").map(Number);
    if (pid && !alive(pid)) return true;
    if (at) return Date.now() - at > staleMs;
    // Not written yet (its holder is between open and write): judge by age.
    return Date.now() - (await stat(path)).mtimeMs > staleMs;
  } catch {
    return false; // gone already: just try again
  }
}

/**
 * A lock shared by every process on this machine: the file `path`, holding
 * the holder's pid. It is created by hard-linking a finished temporary file to
 * `path`, which exactly one process can do and which never shows an empty lock:
 * a process killed at any moment leaves either no lock or one naming it, and a
 * lock naming a dead process is taken over at once. (An earlier open-then-write
 * version left empty locks when killed in between; the crash test caught it.)
 */
export async function withFileLock<T>(path: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + options.timeout;
  const mine = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(mine, `${process.pid} ${Date.now()}`, { mode: 0o600 });
  let delay = 1;
  try {
    for (;;) {
      try {
        await link(mine, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      if (await isStale(path, options.stale)) {
        await unlink(path).catch(() => {});
        continue;
      }
      if (Date.now() > deadline) throw new SessionStoreError(`file store: timed out after ${options.timeout} ms waiting for ${path}`);
      await sleep(delay);
      delay = Math.min(delay * 2, 25);
    }
  } finally {
    await unlink(mine).catch(() => {});
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => {});
  }
}

/**
 * Runs calls for one key one after another inside this process, so that
 * concurrent requests queue in memory instead of spinning on the file lock.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
