import { flashKeys, flashKey, unflashKey } from "../session/flash-keys.js";
import type { SessionState } from "../session/session.js";
import type { SessionPatch, SessionRecord } from "../stores/store.js";
import { putOwn } from "../util/own.js";

/**
 * Separates stored flash values (`__flash_<key>__`) from ordinary ones. Most
 * records hold none, and then the parsed object is used as it is: copying it
 * key by key cost more than the store read (measured with bench/stores.ts).
 */
export function splitFlash(stored: Record<string, unknown>): { data: Record<string, unknown>; flash: Record<string, unknown> | null } {
  const keys = Object.keys(stored);
  if (!keys.some((k) => unflashKey(k) !== undefined)) return { data: stored, flash: null };
  const data: Record<string, unknown> = Object.create(null);
  const flash: Record<string, unknown> = Object.create(null);
  for (const k of keys) {
    const f = unflashKey(k);
    if (f === undefined) data[k] = stored[k];
    else flash[f] = stored[k];
  }
  return { data, flash };
}

/** The flash values a store handed back by their stored keys, by their own keys; null when there are none. */
export function unflash(taken: Record<string, unknown>): Record<string, unknown> | null {
  const keys = Object.keys(taken);
  if (keys.length === 0) return null;
  const flash: Record<string, unknown> = Object.create(null);
  for (const k of keys) flash[unflashKey(k)!] = taken[k];
  return flash;
}

/** The user id in `data` under `userKey`: strings and numbers only (a number is kept as its text). */
export function userOf(userKey: string | undefined, data: Record<string, unknown>): string | null {
  if (userKey === undefined || !Object.hasOwn(data, userKey)) return null;
  const user = data[userKey];
  return typeof user === "string" || typeof user === "number" ? String(user) : null;
}

/** The full record of a session (for creation and regeneration): its values, and the flash values still to show. */
export function recordOf(state: SessionState, userKey: string | undefined, lastSeenAt: number, expiresAt: number): SessionRecord {
  const data: Record<string, unknown> = { ...state.data };
  const { flashIn, flashOut } = state;
  if (flashIn) for (const k of flashKeys(state, false)) putOwn(data, flashKey(k), flashIn[k]);
  if (flashOut) for (const k of Object.keys(flashOut)) putOwn(data, flashKey(k), flashOut[k]);
  const record: SessionRecord = { data, createdAt: state.createdAt, lastSeenAt, expiresAt, userId: userOf(userKey, state.data) ?? undefined };
  if (state.maxAge !== undefined) record.maxAge = state.maxAge;
  return record;
}

/** Only what this request changed: concurrent requests that change other keys both survive. */
export function patchOf(state: SessionState, userKey: string | undefined, lastSeenAt: number, expiresAt: number): SessionPatch {
  const { cleared, changes, flashIn, flashOut } = state;
  const patch: SessionPatch = { clear: cleared, set: {}, unset: [], lastSeenAt, expiresAt };
  const put = (k: string, v: unknown) => putOwn(patch.set, k, v);
  if (cleared) {
    for (const k of Object.keys(state.data)) put(k, state.data[k]);
  } else if (changes) {
    for (const [k, v] of changes) {
      if (v === undefined) patch.unset.push(k);
      else put(k, v);
    }
  }
  if (flashIn && !state.flashTaken) {
    // Consume the flash values this request read, unless it flashed the same key again.
    for (const k of flashKeys(state, true)) if (!flashOut || !Object.hasOwn(flashOut, k)) patch.unset.push(flashKey(k));
  } else if (flashIn) {
    // Taken from the store as the session was read, but never looked at: put them back
    // (a favicon or a prefetch does not eat the flash meant for the page).
    const unread = flashKeys(state, false);
    if (unread.length > 0) {
      const restore: Record<string, unknown> = {};
      for (const k of unread) putOwn(restore, flashKey(k), flashIn[k]);
      patch.restore = restore;
    }
  }
  if (flashOut) for (const k of Object.keys(flashOut)) put(flashKey(k), flashOut[k]);
  if (userKey !== undefined && (cleared || changes?.has(userKey))) patch.userId = userOf(userKey, state.data);
  if (state.maxAgeChanged) patch.maxAge = state.maxAge ?? null;
  return patch;
}
