import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, readFile, rename, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withFileLock, type Lease, type LockOptions } from "./file-lock.js";
import { absent, sessionPaths, type SessionPaths } from "./file-layout.js";
import { LEGACY, parseBody, type FileBody } from "./file-record.js";
import { KeyedQueue } from "./keyed-queue.js";

/** How long a holder's lock lasts without renewal (ms): the longest a crash on another host blocks a session. */
export const LEASE = 10_000;

/**
 * The session files under one directory: read, written atomically, and
 * changed under a per-key lock. Writes go to a temporary file that is renamed
 * over the old one: a crash leaves the old or the new version, never a torn
 * file. Per-key changes hold a lock shared by every process using the
 * directory (see `withFileLock`), and queue in this process first.
 */
export class SessionFiles {
  readonly #dir: string;
  readonly #lock: LockOptions;
  readonly #syncReads: boolean;
  readonly #queue = new KeyedQueue();
  /** Directories known to exist. */
  readonly #made = new Set<string>();

  constructor(dir: string, lockTimeout: number, syncReads: boolean) {
    this.#dir = dir;
    this.#made.add(dir);
    this.#lock = { timeout: lockTimeout, lease: LEASE, spares: dir };
    this.#syncReads = syncReads;
  }

  paths(key: string): SessionPaths {
    return sessionPaths(this.#dir, key);
  }

  /** The body of `file`: undefined when there is no file, null when it is not a session file. */
  body(file: string): Promise<FileBody | null | undefined> | FileBody | null | undefined {
    if (!this.#syncReads) {
      return readFile(file, "utf8").then((text) => {
        const body = parseBody(text);
        return body === LEGACY ? stat(file).then((info) => parseBody(text, info.mtimeMs) as FileBody | null, absent) : body;
      }, absent);
    }
    try {
      const text = readFileSync(file, "utf8");
      const body = parseBody(text);
      return body === LEGACY ? (parseBody(text, statSync(file).mtimeMs) as FileBody | null) : body;
    } catch (error) {
      return absent(error);
    }
  }

  /** Writes `text` as the file of `p`, atomically: a temporary file, its mtime the expiry, renamed over. */
  write(p: SessionPaths, text: string, expiresAt: number, lease: Lease | undefined): Promise<void> {
    return this.#inDir(p.shard, async () => {
      const tmp = join(p.shard, `.${p.hex}.${randomBytes(6).toString("hex")}.tmp`);
      try {
        await writeFile(tmp, text, { mode: 0o600, flag: "wx" });
        const expiry = new Date(expiresAt);
        await utimes(tmp, expiry, expiry);
        lease?.check();
        await rename(tmp, p.file);
      } catch (error) {
        await unlink(tmp).catch(() => {});
        throw error;
      }
    });
  }

  /** Runs `fn` holding both this process's queue and the cross-process lock of `p`. */
  locked<T>(p: SessionPaths, fn: (lease: Lease) => Promise<T>): Promise<T> {
    return this.#queue.run(p.lock, () => this.#inDir(p.shard, () => withFileLock(p.lock, this.#lock, fn)));
  }

  /**
   * `step` in `dir`, made first if it is not known to exist; once more after making it anew when
   * `step` failed because `dir` is gone (someone emptied the store's directory by hand).
   */
  async #inDir<T>(dir: string, step: () => Promise<T>): Promise<T> {
    if (!this.#made.has(dir)) await this.#make(dir);
    try {
      return await step();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || existsSync(dir)) throw error;
      await this.#make(dir);
      return step();
    }
  }

  async #make(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.#made.add(dir);
  }
}
