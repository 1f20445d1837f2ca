import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { isAbsent, keyOfHex, unlinkIfPresent, type SessionPaths } from "./file-layout.js";
import type { Lease } from "./file-lock.js";
import { checkFileOptions, type FileStoreOptions } from "./file-options.js";
import { purgeDir } from "./file-purge.js";
import { bodyOf, isDead, recordOf, type FileBody } from "./file-record.js";
import { SessionFiles } from "./file-sessions.js";
import { UserIndex, isDeadMember } from "./file-user-index.js";
import { patchedRecord, takeFields, type SessionPatch, type SessionRecord, type SessionStore } from "./store.js";

export type { FileStoreOptions } from "./file-options.js";

/** The most times `deleteByUser` lists the index again for members added while it deleted. */
const DELETE_ROUNDS = 16;

/**
 * One JSON file per session, in 256 shard directories named by the first two
 * hex digits of the key (see ./file-layout.ts); any key that is not a
 * 43-character base64url digest is refused before any `fs` call (docs/security.md, B4).
 * Writes are atomic and per-key changes hold a lock shared by every process
 * using the directory (see ./file-sessions.ts). A user's sessions are listed
 * by a directory of empty files (see ./file-user-index.ts).
 */
export class FileStore implements SessionStore {
  readonly dir: string;
  readonly #files: SessionFiles;
  readonly #index: UserIndex;
  /** Clean-ups started by reads and not yet finished (see `settled`). */
  readonly #background = new Set<Promise<unknown>>();

  constructor(options: FileStoreOptions) {
    const { dir, lockTimeout, syncReads } = checkFileOptions(options);
    this.dir = dir;
    this.#files = new SessionFiles(dir, lockTimeout, syncReads);
    this.#index = new UserIndex(dir);
  }

  #inBackground(work: Promise<unknown>): void {
    const task = work.catch(() => {});
    this.#background.add(task);
    void task.then(() => this.#background.delete(task));
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const p = this.#files.paths(key);
    const body = await this.#files.body(p.file);
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
  async #drop(p: SessionPaths, doomed: (body: FileBody | null) => boolean): Promise<FileBody | null | false> {
    const removed = await this.#files.locked(p, async (lease) => {
      const body = await this.#files.body(p.file);
      if (body === undefined || !doomed(body)) return false;
      lease.check();
      await unlinkIfPresent(p.file);
      return body;
    });
    if (removed === false) return false;
    if (removed?.u !== undefined) await this.#index.leave(removed.u, p.hex);
    return removed;
  }

  /** Removes the file of `p` when it is expired by `now`, or not a session file. */
  async #dropDead(p: SessionPaths, now: number): Promise<boolean> {
    return (await this.#drop(p, (body) => isDead(body, now))) !== false;
  }

  /** Writes `record` as the file of `p`, with `owner` in the index first; a failed write leaves the index as it was. */
  async #writeOwned(p: SessionPaths, text: string, record: SessionRecord, lease: Lease | undefined): Promise<void> {
    const owner = record.userId;
    if (owner !== undefined) await this.#index.join(owner, p.hex);
    try {
      await this.#files.write(p, text, record.expiresAt, lease);
    } catch (error) {
      if (owner !== undefined) await this.#index.leave(owner, p.hex).catch(() => {});
      throw error;
    }
  }

  async create(key: string, record: SessionRecord): Promise<void> {
    const p = this.#files.paths(key);
    await this.#writeOwned(p, JSON.stringify(bodyOf(record)), record, undefined);
  }

  async update(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    const p = this.#files.paths(key);
    const updated = await this.#files.locked(p, async (lease) => {
      const body = await this.#files.body(p.file);
      const current = body ? recordOf(body, now) : null;
      if (!current) return null;
      const next = patchedRecord(current, patch);
      const text = JSON.stringify(bodyOf(next));
      if (next.userId !== undefined && next.userId !== current.userId) await this.#index.join(next.userId, p.hex);
      await this.#files.write(p, text, next.expiresAt, lease);
      // Under the lock: after it, another process's sign-in of this session may have joined that owner again.
      if (current.userId !== undefined && current.userId !== next.userId) await this.#index.leave(current.userId, p.hex);
      return true;
    });
    return updated === true;
  }

  async take(key: string, fields: string[], now: number): Promise<Record<string, unknown> | null> {
    const p = this.#files.paths(key);
    return this.#files.locked(p, async (lease) => {
      const body = await this.#files.body(p.file);
      const current = body ? recordOf(body, now) : null;
      if (!current) return null;
      const taken = takeFields(current.data, fields);
      if (Object.keys(taken).length > 0) await this.#files.write(p, JSON.stringify(bodyOf(current)), current.expiresAt, lease);
      return taken;
    });
  }

  /**
   * Rewrites the (small) file with the new times: once per `touchInterval`,
   * never per request. The owner hint is not needed: the index keeps no expiry.
   */
  async touch(key: string, lastSeenAt: number, expiresAt: number, now: number, _userId?: string): Promise<boolean> {
    const p = this.#files.paths(key);
    return this.#files.locked(p, async (lease) => {
      const body = await this.#files.body(p.file);
      if (!body || body.e <= now) return false;
      body.l = lastSeenAt;
      body.e = expiresAt;
      await this.#files.write(p, JSON.stringify(body), expiresAt, lease);
      return true;
    });
  }

  /**
   * Holds the locks of both keys: a `delete` or `deleteByUser` of the old key
   * waits for the move to finish and then finds the old record gone and the
   * new one in the index, and one of the new key waits until its file exists.
   */
  async replace(oldKey: string, newKey: string, record: SessionRecord, now: number): Promise<boolean> {
    const from = this.#files.paths(oldKey);
    const to = this.#files.paths(newKey);
    if (from.hex === to.hex) return this.#replaceInPlace(from, record, now);
    const text = JSON.stringify(bodyOf(record));
    const old = await this.#files.locked(from, (oldLease) =>
      this.#files.locked(to, async (newLease) => {
        const body = await this.#files.body(from.file);
        if (!body || !recordOf(body, now)) return null;
        await this.#writeOwned(to, text, record, { check: () => (oldLease.check(), newLease.check()) });
        oldLease.check();
        await unlink(from.file).catch(async (error: unknown) => {
          if (isAbsent(error)) return;
          // Both alive would leave a session nobody holds the id of: the new one goes.
          await unlink(to.file).catch(() => {});
          if (record.userId !== undefined) await this.#index.leave(record.userId, to.hex).catch(() => {});
          throw error;
        });
        return body;
      }),
    );
    if (!old) return false;
    if (old.u !== undefined) await this.#index.leave(old.u, from.hex);
    return true;
  }

  async #replaceInPlace(p: SessionPaths, record: SessionRecord, now: number): Promise<boolean> {
    const text = JSON.stringify(bodyOf(record));
    const replaced = await this.#files.locked(p, async (lease) => {
      const body = await this.#files.body(p.file);
      if (!body || !recordOf(body, now)) return null;
      if (record.userId !== undefined && record.userId !== body.u) await this.#index.join(record.userId, p.hex);
      await this.#files.write(p, text, record.expiresAt, lease);
      if (body.u !== undefined && body.u !== record.userId) await this.#index.leave(body.u, p.hex);
      return true;
    });
    return replaced === true;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#drop(this.#files.paths(key), () => true)) !== false;
  }

  async listByUser(userId: string, now: number): Promise<Array<{ key: string; record: SessionRecord }>> {
    const userDir = this.#index.dirOf(userId);
    const rows: Array<{ key: string; record: SessionRecord }> = [];
    for (const hex of await this.#index.members(userId)) {
      const key = keyOfHex(hex);
      const p = this.#files.paths(key);
      const body = await this.#files.body(p.file);
      const record = body ? recordOf(body, now) : null;
      if (record && record.userId === userId) {
        rows.push({ key, record });
        continue;
      }
      if (await isDeadMember(join(userDir, hex), body, body?.u === userId, now)) {
        await this.#index.leave(userId, hex);
        if (body !== undefined && isDead(body, now)) this.#inBackground(this.#dropDead(p, now));
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
      const fresh = (await this.#index.members(userId)).filter((hex) => !seen.has(hex));
      if (fresh.length === 0) break;
      for (const hex of fresh) {
        seen.add(hex);
        const key = keyOfHex(hex);
        if (key === exceptKey) continue;
        const removed = await this.#drop(this.#files.paths(key), (body) => body !== null && body.u === userId && body.e > now);
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
  purge(now: number, onProgress?: (done: number, total: number) => void): Promise<number> {
    const scope = { dir: this.dir, files: this.#files, index: this.#index, dropDead: (p: SessionPaths, at: number) => this.#dropDead(p, at) };
    return purgeDir(scope, now, onProgress);
  }
}
