import { mkdir, readFile, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ABANDONED, codeOf, hexOfKey, HEX64, isAbsent, listDir, unlinkIfPresent, userDirOf } from "./file-layout.js";
import { isDead, type FileBody } from "./file-record.js";
import { STORE_KEY } from "./store.js";

/**
 * The file store's user index: a directory per user with one empty file per
 * session, named by its key (as hex). Joining or leaving is one create or
 * unlink, never a rewrite, and needs no lock. The store adds a member before
 * the session file names the user and removes it after, so the index never
 * misses a session ("log out everywhere" reaches them all); members left
 * behind are dropped by `listByUser` and `purge`.
 */
export class UserIndex {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  dirOf(userId: string): string {
    return userDirOf(this.#dir, userId);
  }

  /** Adds the session `hex` to the index of `userId`: one empty file. */
  join(userId: string, hex: string): Promise<void> {
    return joinDir(this.dirOf(userId), hex);
  }

  /** Removes the session `hex` from the index of `userId`; the last member takes the directory with it. */
  async leave(userId: string, hex: string): Promise<void> {
    const dir = this.dirOf(userId);
    await unlinkIfPresent(join(dir, hex));
    await rmdir(dir).catch(() => {});
  }

  /** The keys (as hex) in the index of `userId`. */
  async members(userId: string): Promise<string[]> {
    const dir = this.dirOf(userId);
    await this.adopt(dir);
    return (await listDir(dir)).filter((name) => HEX64.test(name));
  }

  /**
   * Moves an index of the earlier format (one JSON list of keys beside the
   * directory) into the directory `userDir`: "log out everywhere" must still
   * reach the sessions made before the upgrade.
   */
  async adopt(userDir: string): Promise<void> {
    const legacy = `${userDir}.json`;
    let keys: unknown;
    try {
      keys = JSON.parse(await readFile(legacy, "utf8"));
    } catch (error) {
      if (isAbsent(error)) return;
      keys = [];
    }
    for (const key of Array.isArray(keys) ? keys : []) {
      if (typeof key === "string" && STORE_KEY.test(key)) await joinDir(userDir, hexOfKey(key));
    }
    await unlink(legacy).catch(() => {});
  }
}

async function joinDir(dir: string, hex: string): Promise<void> {
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

/**
 * True when the index member at `member` can go, given the body of its
 * session file and whether that names the index's user: the session ended,
 * or (past the time any write takes) it never came or moved to another user.
 */
export async function isDeadMember(member: string, body: FileBody | null | undefined, belongs: boolean, now: number): Promise<boolean> {
  if (body !== undefined && isDead(body, now)) return true;
  if (belongs) return false;
  // No file yet, or another owner: a create or an owner change may be writing it right now.
  const info = await stat(member).catch(() => null);
  return info !== null && Date.now() - info.mtimeMs > ABANDONED;
}
