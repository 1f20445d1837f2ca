import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SessionConfigError, SessionStoreError } from "../errors.js";
import { dropLock, withFileLock, type Lease, type LockOptions } from "./file-lock.js";
import { KeyedQueue } from "./keyed-queue.js";
import { applyPatch, patchedMaxAge, patchedUser, STORE_KEY, takeFields, type SessionPatch, type SessionRecord, type SessionStore } from "./store.js";

export interface FileStoreOptions {
  /** The directory that holds the sessions. Created (mode 0700) when missing. */
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

/**
 * The JSON inside a session file. Every time the store answers with is in here:
 * the file's atime moves whenever anyone reads it (a backup, `grep -r`), so it
 * can never mean "last seen". The mtime is set to the expiry as well, so that
 * `purge()` finds expired files with a `stat` alone.
 */
interface FileBody {
  d: Record<string, unknown>;
  c: number;
  l: number;
  e: number;
  u?: string;
  m?: number;
}

interface Paths {
  file: string;
  lock: string;
  shard: string;
  hex: string;
}

/** How long a holder's lock lasts without renewal (ms): the longest a crash on another host blocks a session. */
const LEASE = 10_000;
/** A temporary file or index member this old (by the wall clock) was left by a crash, not by a write in flight. */
const ABANDONED = 60_000;
/** The most times `deleteByUser` lists the index again for members added while it deleted. */
const DELETE_ROUNDS = 16;

const HEX64 = /^[0-9a-f]{64}$/;
const SHARD = /^[0-9a-f]{2}$/;

const shown = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : String(value));
const codeOf = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

function bodyOf(record: SessionRecord): FileBody {
  const body: FileBody = { d: record.data, c: record.createdAt, l: record.lastSeenAt, e: record.expiresAt };
  if (record.userId !== undefined) body.u = record.userId;
  if (record.maxAge !== undefined) body.m = record.maxAge;
  return body;
}

/** A file written before the expiry moved into the body: its mtime holds it. */
const LEGACY = Symbol("legacy");

/**
 * The body in `text`, or null when it is not a session file of this store
 * (then it reads as no session). A file of the earlier format, without `e`,
 * takes its expiry from `mtimeMs`, or is LEGACY when that is not given.
 */
function parseBody(text: string, mtimeMs?: number): FileBody | null | typeof LEGACY {
  let body: FileBody;
  try {
    body = JSON.parse(text) as FileBody;
  } catch {
    return null;
  }
  if (typeof body !== "object" || body === null) return null;
  if (body.e === undefined) {
    if (mtimeMs === undefined) return LEGACY;
    body.e = Math.round(mtimeMs);
  }
  const { d, c, l, e, u, m } = body;
  const ok =
    typeof d === "object" && d !== null && !Array.isArray(d) &&
    Number.isFinite(c) && Number.isFinite(l) && Number.isFinite(e) &&
    (u === undefined || typeof u === "string") && (m === undefined || Number.isFinite(m));
  return ok ? body : null;
}

/** The record of `body` when it is live at `now`. */
function recordOf(body: FileBody, now: number): SessionRecord | null {
  if (body.e <= now) return null;
  const record: SessionRecord = { data: body.d, createdAt: body.c, lastSeenAt: body.l, expiresAt: body.e };
  if (body.u !== undefined) record.userId = body.u;
  if (body.m !== undefined) record.maxAge = body.m;
  return record;
}

/** A missing file, or a path through a regular file: no session either way. */
const isAbsent = (error: unknown) => codeOf(error) === "ENOENT" || codeOf(error) === "ENOTDIR";

function absent(error: unknown): undefined {
  if (isAbsent(error)) return undefined;
  throw error;
}

/**
 * Makes `dir` (mode 0700) and proves it can hold files, so that a wrong path
 * fails when the storage is created, not at the first login.
 */
function prepare(dir: string): void {
  let failure: unknown;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    failure = error;
  }
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    throw new SessionConfigError(
      `option dir ${shown(dir)} cannot be created (${codeOf(failure ?? error) ?? "error"}): use a directory path this process may create`,
      { cause: failure ?? error },
    );
  }
  if (!isDirectory) throw new SessionConfigError(`option dir ${shown(dir)} is not a directory: use the path of a directory (made when missing)`);
  const probe = join(dir, `.probe.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(probe, "", { flag: "wx", mode: 0o600 });
    unlinkSync(probe);
  } catch (error) {
    throw new SessionConfigError(`option dir ${shown(dir)} cannot be written (${codeOf(error) ?? "error"}): use a directory this process may create files in`, {
      cause: error,
    });
  }
}

/**
 * One JSON file per session, in 256 shard directories named by the first two
 * hex digits of the key. Keys are turned into lowercase hex before they touch
 * the file system, so case-insensitive file systems cannot merge two sessions,
 * and any key that is not a 43-character base64url digest is refused before
 * any `fs` call (SECURITY B4).
 *
 * Writes go to a temporary file that is renamed over the old one: a crash
 * leaves the old or the new version, never a torn file. Per-key changes hold a
 * lock shared by every process using the directory (see `withFileLock`).
 *
 * A user's index is a directory with one empty file per session, named by its
 * key: joining or leaving it is one create or unlink, never a rewrite, and
 * needs no lock. A member is added before its session file names the user and
 * removed after, so the index never misses a session ("log out everywhere"
 * reaches them all); members left behind are dropped by `listByUser` and
 * `purge`.
 */
export class FileStore implements SessionStore {
  readonly dir: string;
  readonly #lock: LockOptions;
  readonly #queue = new KeyedQueue();
  readonly #made = new Set<string>();
  /** Clean-ups started by reads and not yet finished (see `settled`). */
  readonly #background = new Set<Promise<unknown>>();
  readonly #syncReads: boolean;

  constructor(options: FileStoreOptions) {
    const given = (options ?? {}) as Partial<FileStoreOptions>;
    const { dir, lockTimeout = 5000, syncReads = true } = given;
    if (dir === undefined) throw new SessionConfigError("option dir is missing: pass { dir }, the directory to keep session files in");
    if (typeof dir !== "string" || dir === "") throw new SessionConfigError(`option dir is invalid: ${shown(dir)}; use the path of the directory to keep session files in`);
    if (typeof lockTimeout !== "number" || !Number.isFinite(lockTimeout) || lockTimeout <= 0) {
      throw new SessionConfigError(`option lockTimeout is invalid: ${shown(lockTimeout)}; use the milliseconds a write may wait for a lock, above 0 (default 5000)`);
    }
    if (typeof syncReads !== "boolean") throw new SessionConfigError(`option syncReads is invalid: ${shown(syncReads)}; use true or false`);
    prepare(dir);
    this.dir = dir;
    this.#made.add(dir);
    this.#lock = { timeout: lockTimeout, lease: LEASE, spares: dir };
    this.#syncReads = syncReads;
  }

  #paths(key: string): Paths {
    if (typeof key !== "string" || !STORE_KEY.test(key)) throw new SessionStoreError("file store: refused a malformed key");
    const hex = Buffer.from(key, "base64url").toString("hex");
    const shard = join(this.dir, hex.slice(0, 2));
    return { file: join(shard, `${hex}.json`), lock: join(shard, `${hex}.lock`), shard, hex };
  }

  #userDir(userId: string): string {
    const hash = createHash("sha256").update(userId).digest("hex");
    return join(this.dir, "users", hash.slice(0, 2), hash);
  }

  async #ensure(dir: string): Promise<void> {
    if (this.#made.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.#made.add(dir);
  }

  /** The body of `file`: undefined when there is no file, null when it is not a session file. */
  #body(file: string): Promise<FileBody | null | undefined> | FileBody | null | undefined {
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
  async #write(p: Paths, text: string, expiresAt: number, lease: Lease | undefined): Promise<void> {
    await this.#ensure(p.shard);
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
  }

  /** Runs `fn` holding both this process's queue and the cross-process lock of `p`. */
  #locked<T>(p: Paths, fn: (lease: Lease) => Promise<T>): Promise<T> {
    return this.#queue.run(p.lock, async () => {
      await this.#ensure(p.shard);
      return withFileLock(p.lock, this.#lock, fn);
    });
  }

  #inBackground(work: Promise<unknown>): void {
    const task = work.catch(() => {});
    this.#background.add(task);
    void task.then(() => this.#background.delete(task));
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const p = this.#paths(key);
    const body = await this.#body(p.file);
    if (body === undefined) return null;
    const record = body ? recordOf(body, now) : null;
    if (record === null) this.#inBackground(this.#dropDead(p, now));
    return record;
  }

  /**
   * Resolves once the clean-ups that reads started in the background (removing
   * a file found expired) have finished: await it before removing `dir` or
   * exiting, so no late write lands in a directory being deleted.
   */
  async settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.all(this.#background);
  }

  /**
   * Under the lock of `p`, removes its file when `doomed` says so of its body
   * (null: not a session file); then its index membership.
   * The body removed, null for a file that was not a session, or false.
   */
  async #drop(p: Paths, doomed: (body: FileBody | null) => boolean): Promise<FileBody | null | false> {
    const removed = await this.#locked(p, async (lease) => {
      const body = await this.#body(p.file);
      if (body === undefined || !doomed(body)) return false;
      lease.check();
      await unlink(p.file).catch((error: unknown) => {
        if (!isAbsent(error)) throw error;
      });
      return body;
    });
    if (removed === false) return false;
    if (removed?.u !== undefined) await this.#leave(removed.u, p.hex);
    return removed;
  }

  /** Removes the file of `p` when it is expired by `now`, or not a session file. */
  async #dropDead(p: Paths, now: number): Promise<boolean> {
    return (await this.#drop(p, (body) => body === null || body.e <= now)) !== false;
  }

  async create(key: string, record: SessionRecord): Promise<void> {
    const p = this.#paths(key);
    const text = JSON.stringify(bodyOf(record));
    const owner = record.userId;
    if (owner !== undefined) await this.#join(owner, p.hex);
    try {
      await this.#write(p, text, record.expiresAt, undefined);
    } catch (error) {
      if (owner !== undefined) await this.#leave(owner, p.hex).catch(() => {});
      throw error;
    }
  }

  async update(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    const p = this.#paths(key);
    const moved = await this.#locked(p, async (lease) => {
      const body = await this.#body(p.file);
      const current = body ? recordOf(body, now) : null;
      if (!current) return null;
      const next: SessionRecord = {
        data: applyPatch(current.data, patch),
        createdAt: current.createdAt,
        lastSeenAt: patch.lastSeenAt,
        expiresAt: patch.expiresAt,
        userId: patchedUser(current.userId, patch),
        maxAge: patchedMaxAge(current.maxAge, patch),
      };
      const text = JSON.stringify(bodyOf(next));
      if (next.userId !== undefined && next.userId !== current.userId) await this.#join(next.userId, p.hex);
      await this.#write(p, text, next.expiresAt, lease);
      return { from: current.userId, to: next.userId };
    });
    if (!moved) return false;
    if (moved.from !== undefined && moved.from !== moved.to) await this.#leave(moved.from, p.hex);
    return true;
  }

  async take(key: string, fields: string[], now: number): Promise<Record<string, unknown> | null> {
    const p = this.#paths(key);
    return this.#locked(p, async (lease) => {
      const body = await this.#body(p.file);
      const current = body ? recordOf(body, now) : null;
      if (!current) return null;
      const taken = takeFields(current.data, fields);
      if (Object.keys(taken).length > 0) await this.#write(p, JSON.stringify(bodyOf(current)), current.expiresAt, lease);
      return taken;
    });
  }

  /**
   * Rewrites the (small) file with the new times: once per `touchInterval`,
   * never per request. The owner hint is not needed: the index keeps no expiry.
   */
  async touch(key: string, lastSeenAt: number, expiresAt: number, now: number, _userId?: string): Promise<boolean> {
    const p = this.#paths(key);
    return this.#locked(p, async (lease) => {
      const body = await this.#body(p.file);
      if (!body || body.e <= now) return false;
      body.l = lastSeenAt;
      body.e = expiresAt;
      await this.#write(p, JSON.stringify(body), expiresAt, lease);
      return true;
    });
  }

  /**
   * Holds the locks of both keys: a `delete` or `deleteByUser` of the old key
   * waits for the move to finish and then finds the old record gone and the
   * new one in the index, and one of the new key waits until its file exists.
   */
  async replace(oldKey: string, newKey: string, record: SessionRecord, now: number): Promise<boolean> {
    const from = this.#paths(oldKey);
    const to = this.#paths(newKey);
    if (from.hex === to.hex) return this.#replaceInPlace(from, record, now);
    const text = JSON.stringify(bodyOf(record));
    const old = await this.#locked(from, (oldLease) =>
      this.#locked(to, async (newLease) => {
        const body = await this.#body(from.file);
        if (!body || !recordOf(body, now)) return null;
        const owner = record.userId;
        if (owner !== undefined) await this.#join(owner, to.hex);
        try {
          await this.#write(to, text, record.expiresAt, { check: () => (oldLease.check(), newLease.check()) });
        } catch (error) {
          if (owner !== undefined) await this.#leave(owner, to.hex).catch(() => {});
          throw error;
        }
        oldLease.check();
        await unlink(from.file).catch(async (error: unknown) => {
          if (isAbsent(error)) return;
          // Both alive would leave a session nobody holds the id of: the new one goes.
          await unlink(to.file).catch(() => {});
          if (owner !== undefined) await this.#leave(owner, to.hex).catch(() => {});
          throw error;
        });
        return body;
      }),
    );
    if (!old) return false;
    if (old.u !== undefined) await this.#leave(old.u, from.hex);
    return true;
  }

  async #replaceInPlace(p: Paths, record: SessionRecord, now: number): Promise<boolean> {
    const text = JSON.stringify(bodyOf(record));
    const old = await this.#locked(p, async (lease) => {
      const body = await this.#body(p.file);
      if (!body || !recordOf(body, now)) return null;
      if (record.userId !== undefined && record.userId !== body.u) await this.#join(record.userId, p.hex);
      await this.#write(p, text, record.expiresAt, lease);
      return body;
    });
    if (!old) return false;
    if (old.u !== undefined && old.u !== record.userId) await this.#leave(old.u, p.hex);
    return true;
  }

  async delete(key: string): Promise<void> {
    await this.#drop(this.#paths(key), () => true);
  }

  /** Adds the session `hex` to the index of `userId`: one empty file. */
  #join(userId: string, hex: string): Promise<void> {
    return this.#joinDir(this.#userDir(userId), hex);
  }

  async #joinDir(dir: string, hex: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await writeFile(join(dir, hex), "", { mode: 0o600 });
        return;
      } catch (error) {
        // The directory is missing, or the last member's removal just took it.
        if (codeOf(error) !== "ENOENT" || attempt === 3) throw error;
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
    }
  }

  /** Removes the session `hex` from the index of `userId`; the last member takes the directory with it. */
  async #leave(userId: string, hex: string): Promise<void> {
    const dir = this.#userDir(userId);
    await unlink(join(dir, hex)).catch((error: unknown) => {
      if (!isAbsent(error)) throw error;
    });
    await rmdir(dir).catch(() => {});
  }

  /**
   * Moves an index of the earlier format (one JSON list of keys beside the
   * directory) into the directory `userDir`: "log out everywhere" must still
   * reach the sessions made before the upgrade.
   */
  async #adopt(userDir: string): Promise<void> {
    const legacy = `${userDir}.json`;
    let keys: unknown;
    try {
      keys = JSON.parse(await readFile(legacy, "utf8"));
    } catch (error) {
      if (isAbsent(error)) return;
      keys = [];
    }
    for (const key of Array.isArray(keys) ? keys : []) {
      if (typeof key === "string" && STORE_KEY.test(key)) await this.#joinDir(userDir, Buffer.from(key, "base64url").toString("hex"));
    }
    await unlink(legacy).catch(() => {});
  }

  /** The keys (as hex) in the index of `userId`. */
  async #members(userId: string): Promise<string[]> {
    const dir = this.#userDir(userId);
    await this.#adopt(dir);
    try {
      return (await readdir(dir)).filter((name) => HEX64.test(name));
    } catch (error) {
      if (isAbsent(error)) return [];
      throw error;
    }
  }

  /**
   * True when the index member at `member` can go, given the body of its
   * session file and whether that names the index's user: the session ended,
   * or (past the time any write takes) it never came or moved to another user.
   */
  async #isDeadMember(member: string, body: FileBody | null | undefined, belongs: boolean, now: number): Promise<boolean> {
    if (body === null || (body !== undefined && body.e <= now)) return true;
    if (belongs) return false;
    // No file yet, or another owner: a create or an owner change may be writing it right now.
    const info = await stat(member).catch(() => null);
    return info !== null && Date.now() - info.mtimeMs > ABANDONED;
  }

  async listByUser(userId: string, now: number): Promise<Array<{ key: string; record: SessionRecord }>> {
    const userDir = this.#userDir(userId);
    const rows: Array<{ key: string; record: SessionRecord }> = [];
    for (const hex of await this.#members(userId)) {
      const key = Buffer.from(hex, "hex").toString("base64url");
      const p = this.#paths(key);
      const body = await this.#body(p.file);
      const record = body ? recordOf(body, now) : null;
      if (record && record.userId === userId) {
        rows.push({ key, record });
        continue;
      }
      if (await this.#isDeadMember(join(userDir, hex), body, body?.u === userId, now)) {
        await this.#leave(userId, hex);
        if (body === null || (body !== undefined && body.e <= now)) this.#inBackground(this.#dropDead(p, now));
      }
    }
    return rows;
  }

  /**
   * Lists the index again after each pass: a `replace` that moved a session
   * while this ran has put its new key there before removing the old one, so
   * the new key is deleted too, and no session of the user survives.
   */
  async deleteByUser(userId: string, exceptKey: string | undefined, now: number): Promise<number> {
    const seen = new Set<string>();
    let n = 0;
    for (let round = 0; round < DELETE_ROUNDS; round++) {
      const fresh = (await this.#members(userId)).filter((hex) => !seen.has(hex));
      if (fresh.length === 0) break;
      for (const hex of fresh) {
        seen.add(hex);
        const key = Buffer.from(hex, "hex").toString("base64url");
        if (key === exceptKey) continue;
        const removed = await this.#drop(this.#paths(key), (body) => body !== null && body.u === userId && body.e > now);
        if (removed) n++;
      }
    }
    return n;
  }

  /**
   * Deletes expired session files, the temporary files and locks left by
   * crashes, and index members whose session is gone; returns how many
   * sessions. `onProgress` is called after each session shard.
   */
  async purge(now: number, onProgress?: (done: number, total: number) => void): Promise<number> {
    let removed = 0;
    await this.#adoptAll();
    const top = await this.#list(this.dir);
    // Spare lock directories of processes that ended, and probes a crash left.
    for (const name of top.filter((n) => n.endsWith(".tmp"))) {
      const path = join(this.dir, name);
      if (await isAbandoned(path)) await rm(path, { recursive: true, force: true });
    }
    const shards = top.filter((s) => SHARD.test(s)).sort();
    for (const [i, shard] of shards.entries()) {
      const dir = join(this.dir, shard);
      const names = await this.#list(dir);
      const files = new Set(names.filter((n) => n.endsWith(".json")));
      for (const name of names) {
        const path = join(dir, name);
        if (name.endsWith(".tmp")) {
          if (await isAbandoned(path)) await rm(path, { recursive: true, force: true });
          continue;
        }
        const hex = name.slice(0, 64);
        if (!HEX64.test(hex)) continue;
        const key = Buffer.from(hex, "hex").toString("base64url");
        if (name === `${hex}.json`) {
          const info = await stat(path).catch(() => null);
          // The mtime is the expiry; the body, read under the lock, decides.
          if (info && Math.round(info.mtimeMs) <= now && (await this.#dropDead(this.#paths(key), now))) removed++;
        } else if (name === `${hex}.lock` && !files.has(`${hex}.json`)) {
          await dropLock(path, LEASE);
        }
      }
      onProgress?.(i + 1, shards.length);
    }
    await this.#purgeIndex(now);
    return removed;
  }

  /** Adopts every index of the earlier format, before expired sessions leave theirs. */
  async #adoptAll(): Promise<void> {
    const users = join(this.dir, "users");
    for (const shard of (await this.#list(users)).filter((s) => SHARD.test(s))) {
      for (const name of await this.#list(join(users, shard))) {
        const hash = name.slice(0, 64);
        if (HEX64.test(hash) && name === `${hash}.json`) await this.#adopt(join(users, shard, hash));
      }
    }
  }

  /** Drops index members whose session is gone, and the directories left empty. */
  async #purgeIndex(now: number): Promise<void> {
    const users = join(this.dir, "users");
    for (const shard of (await this.#list(users)).filter((s) => SHARD.test(s))) {
      const shardDir = join(users, shard);
      for (const user of await this.#list(shardDir)) {
        const userDir = join(shardDir, user);
        if (!HEX64.test(user)) {
          // A lock of the earlier format's index, or a crash's leftover.
          if (await isAbandoned(userDir)) await rm(userDir, { recursive: true, force: true });
          continue;
        }
        for (const hex of (await this.#list(userDir)).filter((name) => HEX64.test(name))) {
          const body = await this.#body(this.#paths(Buffer.from(hex, "hex").toString("base64url")).file);
          const belongs = body?.u !== undefined && this.#userDir(body.u).endsWith(user);
          if (await this.#isDeadMember(join(userDir, hex), body, belongs, now)) await unlink(join(userDir, hex)).catch(() => {});
        }
        await rmdir(userDir).catch(() => {});
      }
      await rmdir(shardDir).catch(() => {});
    }
  }

  async #list(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (error) {
      if (isAbsent(error)) return [];
      throw error;
    }
  }
}

/** True when the temporary file (or lock staging directory) at `path` has not been written for a while. */
async function isAbandoned(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  if (!info) return false;
  let newest = info.mtimeMs;
  if (info.isDirectory()) {
    for (const name of await readdir(path).catch(() => [])) {
      const inner = await stat(join(path, name)).catch(() => null);
      if (inner) newest = Math.max(newest, inner.mtimeMs);
    }
  }
  return Date.now() - newest > ABANDONED;
}
