import { createHash, randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SessionStoreError } from "../errors.js";
import { KeyedQueue, withFileLock, type LockOptions } from "./file-lock.js";
import { applyPatch, patchedUser, STORE_KEY, takeFields, type SessionPatch, type SessionRecord, type SessionStore } from "./store.js";

export interface FileStoreOptions {
  /** The directory that holds the sessions. Created when missing. */
  dir: string;
  /** How long a write may wait for another process's lock (ms). Default 5000. */
  lockTimeout?: number;
  /**
   * Read session files with synchronous calls (default true). A session file is
   * a few hundred bytes in the page cache: four system calls take about 10 us,
   * while the same four through the thread pool took about 200 us at the median
   * (bench/stores.ts). Set false when `dir` is on a network file system, where
   * one read can stall for milliseconds.
   */
  syncReads?: boolean;
}

/** The JSON inside a session file. Expiry is the file's mtime (a touch is one utimes call). */
interface FileBody {
  d: Record<string, unknown>;
  c: number;
  l: number;
  u?: string;
}

// Reading a file must not move its atime, which holds "last seen" (O_NOATIME: Linux, own files only).
const NOATIME = (constants as { O_NOATIME?: number }).O_NOATIME ?? 0;

/**
 * One JSON file per session, in 256 shard directories named by the first two
 * hex digits of the key. Keys are turned into lowercase hex before they touch
 * the file system, so case-insensitive file systems cannot merge two sessions,
 * and any key that is not a 43-character base64url digest is refused before
 * any `fs` call (SECURITY B4).
 *
 * Writes go to a temporary file that is renamed over the old one: a crash
 * leaves the old or the new version, never a torn file. Per-key updates hold a
 * lock file shared by every process using the directory.
 */
export class FileStore implements SessionStore {
  readonly dir: string;
  private readonly lock: LockOptions;
  private readonly queue = new KeyedQueue();
  private readonly made = new Set<string>();
  /** Clean-ups started by reads and not yet finished (see `settled`). */
  private readonly background = new Set<Promise<unknown>>();
  private readonly syncReads: boolean;

  constructor(options: FileStoreOptions) {
    if (!options || typeof options.dir !== "string" || options.dir === "") {
      throw new TypeError("createFileSessionStorage needs { dir }: the directory to keep session files in");
    }
    this.dir = options.dir;
    this.lock = { timeout: options.lockTimeout ?? 5000, stale: 10_000 };
    this.syncReads = options.syncReads ?? true;
  }

  private paths(key: string): { file: string; lock: string; shard: string; hex: string } {
    if (typeof key !== "string" || !STORE_KEY.test(key)) throw new SessionStoreError("file store: refused a malformed key");
    const hex = Buffer.from(key, "base64url").toString("hex");
    const shard = join(this.dir, hex.slice(0, 2));
    return { file: join(shard, `${hex}.json`), lock: join(shard, `${hex}.lock`), shard, hex };
  }

  private userPaths(userId: string): { file: string; lock: string; shard: string } {
    const hex = createHash("sha256").update(userId).digest("hex");
    const shard = join(this.dir, "users", hex.slice(0, 2));
    return { file: join(shard, `${hex}.json`), lock: join(shard, `${hex}.lock`), shard };
  }

  private async ensure(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.made.add(dir);
  }

  /** Reads a session file; null when missing or expired at `now`. */
  private async load(file: string, now: number): Promise<SessionRecord | null> {
    return this.syncReads ? this.loadSync(file, now) : this.loadAsync(file, now);
  }

  private loadSync(file: string, now: number): SessionRecord | null {
    let fd: number;
    try {
      try {
        fd = openSync(file, constants.O_RDONLY | NOATIME);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EPERM" || !NOATIME) throw error;
        fd = openSync(file, constants.O_RDONLY);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    try {
      const info = fstatSync(fd);
      return this.parse(readFileSync(fd, "utf8"), info.mtimeMs, info.atimeMs, now);
    } finally {
      closeSync(fd);
    }
  }

  private parse(text: string, mtimeMs: number, atimeMs: number, now: number): SessionRecord | null {
    const expiresAt = Math.round(mtimeMs);
    if (expiresAt <= now) return null;
    const body = JSON.parse(text) as FileBody;
    return { data: body.d, createdAt: body.c, lastSeenAt: Math.max(body.l, Math.round(atimeMs)), expiresAt, userId: body.u };
  }

  private async loadAsync(file: string, now: number): Promise<SessionRecord | null> {
    let handle;
    try {
      handle = await open(file, constants.O_RDONLY | NOATIME).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "EPERM" && NOATIME) return open(file, constants.O_RDONLY);
        throw error;
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    try {
      const [info, text] = await Promise.all([handle.stat(), handle.readFile("utf8")]);
      return this.parse(text, info.mtimeMs, info.atimeMs, now);
    } finally {
      await handle.close();
    }
  }

  /** Writes `record` to `file` atomically: a temporary file, its times set, renamed over. */
  private async save(file: string, shard: string, hex: string, record: SessionRecord): Promise<void> {
    await this.ensure(shard);
    const body: FileBody = { d: record.data, c: record.createdAt, l: record.lastSeenAt };
    if (record.userId !== undefined) body.u = record.userId;
    const tmp = join(shard, `.${hex}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await writeFile(tmp, JSON.stringify(body), { mode: 0o600, flag: "wx" });
      await utimes(tmp, new Date(record.lastSeenAt), new Date(record.expiresAt));
      await rename(tmp, file);
    } catch (error) {
      await unlink(tmp).catch(() => {});
      throw error;
    }
  }

  /** Runs `fn` holding both this process's queue and the cross-process lock of `key`. */
  private locked<T>(lockPath: string, shard: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(lockPath, async () => {
      await this.ensure(shard);
      return withFileLock(lockPath, this.lock, fn);
    });
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const p = this.paths(key);
    const record = await this.load(p.file, now);
    if (record === null) {
      const cleanup = this.dropIfExpired(p, now).catch(() => {});
      this.background.add(cleanup);
      void cleanup.then(() => this.background.delete(cleanup));
    }
    return record;
  }

  /**
   * Resolves once the clean-ups that reads started in the background (removing
   * a file found expired) have finished: await it before removing `dir` or
   * exiting, so no late write lands in a directory being deleted.
   */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all(this.background);
  }

  /** Removes the file of `p` when it has expired by `now` (checked again under the lock). */
  private dropIfExpired(p: ReturnType<FileStore["paths"]>, now: number): Promise<boolean> {
    return this.locked(p.lock, p.shard, async () => {
      const info = await stat(p.file).catch(() => null);
      if (!info || Math.round(info.mtimeMs) > now) return false;
      await unlink(p.file).catch(() => {});
      return true;
    });
  }

  async create(key: string, record: SessionRecord): Promise<void> {
    const p = this.paths(key);
    await this.save(p.file, p.shard, p.hex, record);
    if (record.userId !== undefined) await this.indexUser(record.userId, key, true);
  }

  async update(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    const p = this.paths(key);
    const moved = await this.locked(p.lock, p.shard, async () => {
      const current = await this.load(p.file, now);
      if (!current) return null;
      const userId = patchedUser(current.userId, patch);
      await this.save(p.file, p.shard, p.hex, {
        data: applyPatch(current.data, patch),
        createdAt: current.createdAt,
        lastSeenAt: patch.lastSeenAt,
        expiresAt: patch.expiresAt,
        userId,
      });
      return { from: current.userId, to: userId };
    });
    if (!moved) return false;
    if (moved.from !== moved.to) {
      if (moved.from !== undefined) await this.indexUser(moved.from, key, false);
      if (moved.to !== undefined) await this.indexUser(moved.to, key, true);
    }
    return true;
  }

  async take(key: string, fields: string[], now: number): Promise<Record<string, unknown> | null> {
    const p = this.paths(key);
    return this.locked(p.lock, p.shard, async () => {
      const current = await this.load(p.file, now);
      if (!current) return null;
      const taken = takeFields(current.data, fields);
      if (Object.keys(taken).length > 0) await this.save(p.file, p.shard, p.hex, current);
      return taken;
    });
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number, now: number): Promise<boolean> {
    const p = this.paths(key);
    return this.locked(p.lock, p.shard, async () => {
      try {
        const info = await stat(p.file);
        if (Math.round(info.mtimeMs) <= now) return false;
        await utimes(p.file, new Date(lastSeenAt), new Date(expiresAt));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw error;
      }
    });
  }

  async delete(key: string): Promise<void> {
    const p = this.paths(key);
    const userId = await this.locked(p.lock, p.shard, async () => {
      let owner: string | undefined;
      try {
        owner = (JSON.parse(await readFile(p.file, "utf8")) as FileBody).u;
      } catch {
        owner = undefined;
      }
      await unlink(p.file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
      return owner;
    });
    if (userId !== undefined) await this.indexUser(userId, key, false);
  }

  /** Adds or removes `key` in the index of `userId`. */
  private async indexUser(userId: string, key: string, add: boolean): Promise<void> {
    const u = this.userPaths(userId);
    await this.locked(u.lock, u.shard, async () => {
      const keys = new Set(await this.readIndex(u.file));
      if (add === keys.has(key)) return;
      if (add) keys.add(key);
      else keys.delete(key);
      await this.writeIndex(u.file, u.shard, [...keys]);
    });
  }

  private async readIndex(file: string): Promise<string[]> {
    try {
      const keys = JSON.parse(await readFile(file, "utf8")) as unknown;
      return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string" && STORE_KEY.test(k)) : [];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }

  private async writeIndex(file: string, shard: string, keys: string[]): Promise<void> {
    if (keys.length === 0) {
      await unlink(file).catch(() => {});
      return;
    }
    const tmp = join(shard, `.${randomBytes(8).toString("hex")}.tmp`);
    await writeFile(tmp, JSON.stringify(keys), { mode: 0o600 });
    await rename(tmp, file);
  }

  async listByUser(userId: string, now: number): Promise<Array<{ key: string; record: SessionRecord }>> {
    const u = this.userPaths(userId);
    const keys = await this.readIndex(u.file);
    const rows: Array<{ key: string; record: SessionRecord }> = [];
    for (const key of keys) {
      const record = await this.get(key, now);
      if (record && record.userId === userId) rows.push({ key, record });
    }
    if (rows.length !== keys.length) {
      // Drop members whose session expired or moved on.
      const liveKeys = new Set(rows.map((r) => r.key));
      await this.locked(u.lock, u.shard, async () => {
        const current = await this.readIndex(u.file);
        await this.writeIndex(u.file, u.shard, current.filter((k) => liveKeys.has(k) || !keys.includes(k)));
      });
    }
    return rows;
  }

  async deleteByUser(userId: string, exceptKey: string | undefined, now: number): Promise<number> {
    let n = 0;
    for (const { key } of await this.listByUser(userId, now)) {
      if (key === exceptKey) continue;
      await this.delete(key);
      n++;
    }
    return n;
  }

  /**
   * Deletes expired session files (and temporary files left by a crash); returns
   * how many sessions. `onProgress` is called after each shard.
   */
  async purge(now: number, onProgress?: (done: number, total: number) => void): Promise<number> {
    let removed = 0;
    let shards: string[];
    try {
      shards = (await readdir(this.dir)).filter((s) => /^[0-9a-f]{2}$/.test(s)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw error;
    }
    for (const [i, shard] of shards.entries()) {
      const dir = join(this.dir, shard);
      for (const name of await readdir(dir)) {
        const path = join(dir, name);
        const info = await stat(path).catch(() => null);
        if (!info) continue;
        if (name.endsWith(".tmp") && now - info.mtimeMs > 60_000) {
          await unlink(path).catch(() => {});
        } else if (name.endsWith(".json") && Math.round(info.mtimeMs) <= now) {
          const key = Buffer.from(name.slice(0, 64), "hex").toString("base64url");
          if (STORE_KEY.test(key) && (await this.dropIfExpired(this.paths(key), now))) removed++;
        }
      }
      onProgress?.(i + 1, shards.length);
    }
    return removed;
  }
}
