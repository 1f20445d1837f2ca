import { createHash } from "node:crypto";
import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { SessionStoreError } from "../errors.js";
import { STORE_KEY } from "./store.js";

/**
 * Where the file store keeps things under its directory: `<2 hex>/<64 hex>.json`
 * and `.lock` per session, `users/<2 hex>/<sha256 of the user id>/<64 hex>` per
 * index member. Keys become lowercase hex before they touch the file system,
 * so case-insensitive file systems cannot merge two sessions.
 */

/** The paths of one session. */
export interface SessionPaths {
  file: string;
  lock: string;
  shard: string;
  hex: string;
}

export const HEX64 = /^[0-9a-f]{64}$/;
export const SHARD = /^[0-9a-f]{2}$/;

/** A temporary file or index member this old (by the wall clock) was left by a crash, not by a write in flight. */
export const ABANDONED = 60_000;

export const hexOfKey = (key: string) => Buffer.from(key, "base64url").toString("hex");
export const keyOfHex = (hex: string) => Buffer.from(hex, "hex").toString("base64url");

/** The paths of `key`; any key that is not a 43-character base64url digest is refused before any `fs` call (docs/security.md, B4). */
export function sessionPaths(dir: string, key: string): SessionPaths {
  if (typeof key !== "string" || !STORE_KEY.test(key)) throw new SessionStoreError("file store: refused a malformed key");
  const hex = hexOfKey(key);
  const shard = join(dir, hex.slice(0, 2));
  return { file: join(shard, `${hex}.json`), lock: join(shard, `${hex}.lock`), shard, hex };
}

/** The index directory of `userId`. */
export function userDirOf(dir: string, userId: string): string {
  const hash = createHash("sha256").update(userId).digest("hex");
  return join(dir, "users", hash.slice(0, 2), hash);
}

export const codeOf = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/** A missing file, or a path through a regular file: no session either way. */
export const isAbsent = (error: unknown) => codeOf(error) === "ENOENT" || codeOf(error) === "ENOTDIR";

/** Undefined for an absent path; rethrows any other failure. */
export function absent(error: unknown): undefined {
  if (isAbsent(error)) return undefined;
  throw error;
}

/** Removes `path`; one already gone is no failure. */
export async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch(absent);
}

/** The names in `dir`, none when it is absent. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isAbsent(error)) return [];
    throw error;
  }
}
