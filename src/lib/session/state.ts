// The state a Session keeps private, and the view of it its storage gets.
import { putOwn } from "../util/own.js";

/**
 * Where a session stands, the one value a storage decides a save by:
 * - `new`: nothing is stored for it yet;
 * - `stored`: a record (or a valid cookie) exists under `storedId`;
 * - `regenerated`: `regenerateId()` was called; saving issues the new id, replacing `storedId`'s record when there is one;
 * - `destroyed`: saving deletes `storedId`'s record, when there is one.
 */
export type Phase = "new" | "stored" | "regenerated" | "destroyed";

/** Internal: what a storage gives a session it makes. */
export interface SessionInit {
  id: string;
  data?: Record<string, unknown>;
  flash?: Record<string, unknown> | null;
  /** The flash values were already removed from the store as they were read. */
  flashTaken?: boolean;
  isNew: boolean;
  createdAt: number;
  expiresAt?: number | undefined;
  /** The cookie lifetime this session was given (`setMaxAge`), in seconds. */
  maxAge?: number | undefined;
  newId?: () => string;
  /** The storage's own bookkeeping, kept with the session and never read by it. */
  carried?: unknown;
  /** The storage's clock (its `now` option), in milliseconds; `Date.now` when not given. */
  now?: (() => number) | undefined;
}

/** Internal: everything a session holds. */
export interface State {
  id: string;
  phase: Phase;
  storedId: string | undefined;
  readonly isNew: boolean;
  readonly createdAt: number;
  expiresAt: number | undefined;
  data: Record<string, unknown>;
  /** Flash values set during the previous request: readable now, gone once read. */
  flashIn: Record<string, unknown> | null;
  /** The keys of `flashIn` this request read (`true`: all of them, through `entries()`). */
  flashRead: Set<string> | true | null;
  /** Flash values set now: readable during the next request. */
  flashOut: Record<string, unknown> | null;
  readonly flashTaken: boolean;
  /** Keys set (to a value) or unset (undefined) by this request. */
  changes: Map<string, unknown> | null;
  /** Every stored value was dropped (clear, regenerate with keep). */
  cleared: boolean;
  maxAge: number | undefined;
  /** `setMaxAge` changed `maxAge`: saving stores it. */
  maxAgeChanged: boolean;
  carried: unknown;
  readonly newId: (() => string) | undefined;
  /** `touch()` was called: saving extends the session as a due sliding refresh would. */
  touched: boolean;
  /** The token the session was read from, for `reload()`. */
  token: string | undefined;
  /**
   * Which of the session's cookies the request carried, when they are chunks
   * (src/lib/token/chunks.ts): a save expires those it no longer uses. Set only
   * then, so that no other session grows a property.
   */
  sent?: number | undefined;
  /**
   * The methods `markAuthenticated` recorded in this request: what a sign-in
   * (`regenerateId` with `keep`) keeps of the step-up record. Set only then.
   */
  proven?: string[] | undefined;
  /** `recordDevice` noted the device in this request: a sign-in's "new-device" check is due. Set only then. */
  deviceNoted?: true | undefined;
  /** Reads the session of a token again, as a new `Session` (set by the storage that read it), for `reload()`. */
  reread: ((token: string | undefined, sent: number | undefined) => Promise<unknown>) | undefined;
  /** The storage's clock, in milliseconds. */
  readonly now: () => number;
}

/**
 * Internal: a session's state as its storage sees it: what the request changed,
 * read-only, and the few facts only the storage moves (its phase after a write,
 * the expiry, its own bookkeeping, the values a `schema` validated or migrated,
 * and the keys tessera's own features keep in it: the CSRF secret).
 */
export type SessionState = Readonly<Omit<State, "phase" | "storedId" | "expiresAt" | "carried" | "touched" | "token" | "sent" | "reread" | "data" | "cleared" | "changes" | "deviceNoted">> &
  Pick<State, "phase" | "storedId" | "expiresAt" | "carried" | "touched" | "token" | "sent" | "reread" | "data" | "cleared" | "changes" | "deviceNoted">;

/** A record of values with no prototype: a key such as "constructor" is only ever an own value. */
export function emptyRecord(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

// Stored values arrive straight from JSON.parse, whose objects have
// Object.prototype: every read checks own keys only, so "toString" or
// "constructor" are never found by inheritance (docs/security.md, H1 and H3).
export const hasOwn = Object.hasOwn as (o: object, k: string) => boolean;

/** `s`, when it may still change: a destroyed session throws. */
export function writable(s: State): State {
  if (s.phase === "destroyed") {
    throw new Error("Session has been destroyed: it cannot be changed (start a new one with storage.read() in the next request)");
  }
  return s;
}

/** Notes that this request read the incoming flash value `key` (so it goes once saved). */
export function markRead(s: State, key: string): void {
  const read = s.flashRead;
  if (read === true) return;
  (s.flashRead = read ?? new Set()).add(key);
}

/** Sets (or, with undefined, unsets) `key` in `s`'s values, as a change the next save writes. */
export function putValue(s: Pick<State, "data" | "changes">, key: string, value: unknown): void {
  if (value === undefined) delete s.data[key];
  else putOwn(s.data, key, value);
  (s.changes ??= new Map()).set(key, value);
}
