import type { MaybePromise } from "../util/maybe-promise.js";
import { putOwn } from "../util/own.js";

/**
 * The contract every server-side store implements. A store knows nothing of
 * cookies, ids or HTTP: it is handed keys (the SHA-256 of a session id, so a
 * leaked store gives no usable session) and records, and must apply each
 * request's changes atomically per key.
 *
 * Every method that takes `now` must treat a record whose `expiresAt <= now` as
 * absent, whether or not it has been cleaned up yet. The per-request methods
 * may answer with a plain value instead of a promise (the memory store does:
 * each promise a request awaits costs it time, more so under AsyncLocalStorage).
 */
export interface SessionStore {
  /** The live record under `key`, or null. */
  get(key: string, now: number): MaybePromise<SessionRecord | null>;
  /**
   * Stores a new record. Keys are 256-bit hashes of fresh random ids: they never
   * collide. `login` is true for a session regenerated before it was ever
   * stored (a sign-in from a first visit): a store that ranks its sessions (the
   * memory store's eviction) keeps it as a signed-in one.
   */
  create(key: string, record: SessionRecord, login?: boolean): MaybePromise<void>;
  /**
   * Applies one request's changes in a single atomic step: only the keys in
   * `patch` change, so two requests that set different keys both survive.
   * Returns false, and writes nothing, when no live record exists: a session
   * destroyed by another request is never brought back.
   */
  update(key: string, patch: SessionPatch, now: number): MaybePromise<boolean>;
  /**
   * Refreshes expiry without rewriting data. False when no live record exists.
   * `userId` is the owner as the engine last read it, so a store whose user
   * index keeps each member's expiry can extend it in the same step.
   */
  touch(key: string, lastSeenAt: number, expiresAt: number, now: number, userId?: string): MaybePromise<boolean>;
  /**
   * `regenerateId()`: replaces the live record under `oldKey` by `record` under
   * `newKey`, as one atomic step as far as every other call can see. Returns
   * false, and creates nothing, when no live record exists under `oldKey` (a
   * logout, "log out everywhere" or an expiry got there first): a session that
   * ended never comes back under a new id. When it fails (throws), the old
   * record is untouched: a login that cannot be stored loses nothing.
   */
  replace(oldKey: string, newKey: string, record: SessionRecord, now: number): MaybePromise<boolean>;
  /**
   * Removes `fields` from the record's data in one atomic step and returns the
   * values that were there (an empty object when none were), or null when no
   * live record exists. The engine takes flash values with it as it reads
   * them, so of two concurrent requests only one ever shows a flash. Optional:
   * without it a flash is removed by the save of the request that read it, and
   * concurrent requests may both see it.
   */
  take?(key: string, fields: string[], now: number): MaybePromise<Record<string, unknown> | null>;
  /**
   * Deletes the record (and its place in the user index). Deleting nothing is
   * not an error. Returns whether there was a record to delete, which
   * `destroyUserSession` reports; a store that returns nothing is taken to
   * have deleted one.
   */
  delete(key: string): MaybePromise<boolean | void>;
  /** The live sessions of `userId`; members that expired are dropped from the index. */
  listByUser?(userId: string, now: number): Promise<Array<{ key: string; record: SessionRecord }>>;
  /** Deletes every session of `userId` except `exceptKey`; returns how many were deleted. */
  deleteByUser?(userId: string, exceptKey: string | undefined, now: number): Promise<number>;
  /** Deletes expired records; returns how many. */
  purge?(now: number): Promise<number>;
}

/** A stored session. Times are milliseconds since the epoch. */
export interface SessionRecord {
  /** Values; flash values sit under `__flash_<key>__` keys, as react-router stores them. */
  data: Record<string, unknown>;
  createdAt: number;
  lastSeenAt: number;
  /** The earlier of the idle and absolute deadlines. */
  expiresAt: number;
  /** The owner, when the storage has a `userKey`. */
  userId?: string | undefined;
  /**
   * The cookie lifetime chosen for this one session (seconds; `setMaxAge`,
   * `commitSession(session, { maxAge })`: "remember me"), kept so that every
   * later re-issue of its cookie uses it. Absent: the storage's `cookie.maxAge`.
   */
  maxAge?: number | undefined;
}

/** One request's changes to a stored session. */
export interface SessionPatch {
  /** Drop every stored value first (`clear()`, or `regenerateId({ keep })`). */
  clear: boolean;
  /** Keys to store. */
  set: Record<string, unknown>;
  /** Keys to remove. */
  unset: string[];
  lastSeenAt: number;
  expiresAt: number;
  /** The new owner; null removes it; undefined leaves it as it is. */
  userId?: string | null;
  /**
   * Values to put back only where their key is absent after `clear`/`unset`
   * and before `set`: flash values this request took out of the store as it
   * read the session but never looked at. A flash another request set under
   * the same key meanwhile wins.
   */
  restore?: Record<string, unknown>;
  /** The session's own cookie lifetime (seconds); null removes it; undefined leaves it as it is. */
  maxAge?: number | null;
}

/** Applies `patch` to a copy of `data` (for stores that update in process). */
export function applyPatch(data: Record<string, unknown>, patch: SessionPatch): Record<string, unknown> {
  const next: Record<string, unknown> = patch.clear ? {} : { ...data };
  for (const key of patch.unset) delete next[key];
  const restore = patch.restore;
  if (restore) for (const key of Object.keys(restore)) if (!Object.hasOwn(next, key)) putOwn(next, key, restore[key]);
  for (const key of Object.keys(patch.set)) putOwn(next, key, patch.set[key]);
  return next;
}

/** Moves the `fields` present in `data` out of it (for stores that update in process); what was moved. */
export function takeFields(data: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const taken: Record<string, unknown> = {};
  for (const field of fields) {
    if (!Object.hasOwn(data, field)) continue;
    putOwn(taken, field, data[field]);
    delete data[field];
  }
  return taken;
}

/** The record after `patch` (for stores that read it, change it and write it back whole). */
export function patchedRecord(current: SessionRecord, patch: SessionPatch): SessionRecord {
  return {
    data: applyPatch(current.data, patch),
    createdAt: current.createdAt,
    lastSeenAt: patch.lastSeenAt,
    expiresAt: patch.expiresAt,
    userId: patchedUser(current.userId, patch),
    maxAge: patchedMaxAge(current.maxAge, patch),
  };
}

/** The owner after `patch`. */
export function patchedUser(current: string | undefined, patch: SessionPatch): string | undefined {
  return patch.userId === undefined ? current : (patch.userId ?? undefined);
}

/** The session's own cookie lifetime after `patch`. */
export function patchedMaxAge(current: number | undefined, patch: SessionPatch): number | undefined {
  return patch.maxAge === undefined ? current : (patch.maxAge ?? undefined);
}

/**
 * Store keys are unpadded base64url SHA-256 digests: 43 characters of that
 * alphabet, the last carrying 4 bits and 2 zero ones, as every encoder writes
 * them. Only that form: a lenient decoder (the file store's hex names) reads
 * four spellings of one digest alike.
 */
export const STORE_KEY = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
