import { readdir, rm, rmdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { dropLock } from "./file-lock.js";
import { ABANDONED, HEX64, keyOfHex, listDir, SHARD, type SessionPaths } from "./file-layout.js";
import { LEASE, type SessionFiles } from "./file-sessions.js";
import { isDeadMember, type UserIndex } from "./file-user-index.js";

/** What a purge of the file store's directory works on. */
export interface PurgeScope {
  dir: string;
  files: SessionFiles;
  index: UserIndex;
  /** Removes the file of `p` under its lock when it is expired by `now`, or not a session file; true when it did. */
  dropDead(p: SessionPaths, now: number): Promise<boolean>;
}

/**
 * Deletes expired session files, the temporary files and locks left by
 * crashes, and index members whose session is gone; returns how many
 * sessions. `onProgress` is called after each session shard.
 */
export async function purgeDir(scope: PurgeScope, now: number, onProgress?: (done: number, total: number) => void): Promise<number> {
  const { dir: root, files } = scope;
  let removed = 0;
  await adoptAll(scope);
  const top = await listDir(root);
  // Spare lock directories of processes that ended, and probes a crash left: by their names only, never
  // another program's temporary files in a directory it shares.
  for (const name of top.filter((n) => OWN_TMP.test(n))) await removeIfAbandoned(join(root, name));
  const shards = top.filter((s) => SHARD.test(s)).sort();
  for (const [i, shard] of shards.entries()) {
    const dir = join(root, shard);
    const names = await listDir(dir);
    const sessions = new Set(names.filter((n) => n.endsWith(".json")));
    for (const name of names) {
      const path = join(dir, name);
      if (name.endsWith(".tmp")) {
        await removeIfAbandoned(path);
        continue;
      }
      const hex = name.slice(0, 64);
      if (!HEX64.test(hex)) continue;
      if (name === `${hex}.json`) {
        const info = await stat(path).catch(() => null);
        // The mtime is the expiry; the body, read under the lock, decides.
        if (info && Math.round(info.mtimeMs) <= now && (await scope.dropDead(files.paths(keyOfHex(hex)), now))) removed++;
      } else if (name === `${hex}.lock` && !sessions.has(`${hex}.json`)) {
        await dropLock(path, LEASE);
      }
    }
    onProgress?.(i + 1, shards.length);
  }
  await purgeIndex(scope, now);
  return removed;
}

/** Adopts every index of the earlier format, before expired sessions leave theirs. */
async function adoptAll({ dir, index }: PurgeScope): Promise<void> {
  const users = join(dir, "users");
  for (const shard of (await listDir(users)).filter((s) => SHARD.test(s))) {
    for (const name of await listDir(join(users, shard))) {
      const hash = name.slice(0, 64);
      if (HEX64.test(hash) && name === `${hash}.json`) await index.adopt(join(users, shard, hash));
    }
  }
}

/** Drops index members whose session is gone, and the directories left empty. */
async function purgeIndex({ dir, files, index }: PurgeScope, now: number): Promise<void> {
  const users = join(dir, "users");
  for (const shard of (await listDir(users)).filter((s) => SHARD.test(s))) {
    const shardDir = join(users, shard);
    for (const user of await listDir(shardDir)) {
      const userDir = join(shardDir, user);
      if (!HEX64.test(user)) {
        // A lock of the earlier format's index, or a crash's leftover.
        await removeIfAbandoned(userDir);
        continue;
      }
      for (const hex of (await listDir(userDir)).filter((name) => HEX64.test(name))) {
        const body = await files.body(files.paths(keyOfHex(hex)).file);
        const belongs = body?.u !== undefined && index.dirOf(body.u).endsWith(user);
        if (await isDeadMember(join(userDir, hex), body, belongs, now)) await unlink(join(userDir, hex)).catch(() => {});
      }
      await rmdir(userDir).catch(() => {});
    }
    await rmdir(shardDir).catch(() => {});
  }
}

/** The temporary names the store makes at the top of its directory (file-lock.ts, file-options.ts). */
const OWN_TMP = /^\.(lock|probe)\..+\.tmp$/;

/**
 * When the file at `path` was last changed: its mtime, or its ctime when that is
 * earlier. A session's temporary file gets its expiry as mtime, days ahead, just
 * before its rename: a writer killed between the two leaves the ctime (the `utimes`)
 * as the last sign of life.
 */
const lastChanged = (info: { mtimeMs: number; ctimeMs: number }) => Math.min(info.mtimeMs, info.ctimeMs);

/** Removes the temporary file (or lock staging directory) at `path` once it has not been written for a while. */
async function removeIfAbandoned(path: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info) return;
  let newest = lastChanged(info);
  if (info.isDirectory()) {
    for (const name of await readdir(path).catch(() => [])) {
      const inner = await stat(join(path, name)).catch(() => null);
      if (inner) newest = Math.max(newest, lastChanged(inner));
    }
  }
  if (Date.now() - newest > ABANDONED) await rm(path, { recursive: true, force: true });
}
