import { Session, stateOf } from "../session/session.js";
import { flashKeys } from "../session/flash-keys.js";
import { chain, type MaybePromise } from "../util/maybe-promise.js";
import type { Backend, Refusal, RefusalReason, Write } from "./backend.js";
import type { Carried } from "./engine.js";
import { expiryOf, type Timeouts } from "./timeouts.js";

/**
 * The authenticated payload, `[data, createdAt, lastSeenAt - createdAt]` with
 * the flash values fourth when there are some (null when there are none but a
 * fifth entry follows), and the session's own cookie lifetime fifth when it
 * has one. Times are whole seconds and live inside the payload, so timeouts
 * hold even against a client that ignores Max-Age (NIST 800-63B §7.1). An
 * array and a difference keep them short: this text travels in both
 * directions on every request (about 30 bytes fewer than named fields).
 */
type Payload = [data: Record<string, unknown>, createdAt: number, seenAfter: number, flash?: Record<string, unknown> | null, maxAge?: number];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The payload in `json`, or null for anything that is not exactly our shape. */
function parsePayload(json: string): Payload | null {
  let p: unknown;
  try {
    p = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(p) || p.length < 3 || p.length > 5) return null;
  const [data, createdAt, seenAfter, flash, maxAge] = p as unknown[];
  if (!isRecord(data) || !Number.isInteger(createdAt) || !Number.isInteger(seenAfter) || (seenAfter as number) < 0) return null;
  if (p.length >= 4 && !isRecord(flash) && !(p.length === 5 && flash === null)) return null;
  if (p.length === 5 && !(Number.isInteger(maxAge) && (maxAge as number) >= 0)) return null;
  return p as Payload;
}

/**
 * The flash values the next cookie carries: those set now, and those that came
 * in and were not read (a request that never looks at a flash leaves it for
 * the one that does). Null when there are none.
 */
function flashToKeep(session: Session<any, any>): Record<string, unknown> | null {
  const { flashIn, flashOut } = stateOf(session);
  const unread = flashIn === null ? [] : flashKeys(stateOf(session), false);
  if (unread.length === 0) return flashOut;
  const keep: Record<string, unknown> = Object.create(null);
  for (const k of unread) keep[k] = flashIn![k];
  return flashOut ? Object.assign(keep, flashOut) : keep;
}

/**
 * What a cookie storage made by `createRevocableCookieSessionStorage` does
 * (src/lib/revocation/revocation.ts); a plain cookie storage has none of it,
 * and its bundle none of its code.
 */
export interface CookieRevocation {
  /** The check of each session read: undefined when it may be used. */
  check(session: Session<any, any>): MaybePromise<RefusalReason | undefined>;
  /** What the revocation keeps of a session as it was read (its stamp), for `written` and `revokeSession`. */
  stampOf(data: Record<string, unknown>): unknown;
  /**
   * Before a session's cookie is sealed (`replaced`: regenerateId): what to
   * keep of it from now on, or false when it was revoked meanwhile (nothing is issued).
   */
  written(session: Session<any, any>, read: unknown, replaced: boolean): MaybePromise<unknown>;
  /** `destroySession`: every copy of the cookie read with `read` is refused from now on. */
  revokeSession(read: unknown, createdAt: number): MaybePromise<void>;
}

/** What a cookie session keeps from its read: the engine's, and its revocation stamp as it came (destroy() empties its values). */
interface CookieCarried extends Carried {
  stamp?: unknown;
}

/** Sessions sealed whole in the cookie: no server state. */
export class CookieBackend<Data, FlashData> implements Backend<Data, FlashData, string> {
  readonly tokenIsData = true;

  constructor(
    private readonly t: Timeouts,
    /** Milliseconds past its expiry a cookie is still accepted (clock drift across a fleet). */
    private readonly tolerance: number,
    /** The `revocation` option's, when the storage has one: it stamps each signed-in session's cookie. */
    private readonly revocation?: CookieRevocation | undefined,
  ) {}

  fresh(now: number): Session<Data, FlashData> {
    return new Session<Data, FlashData>({ id: "", isNew: true, createdAt: now, expiresAt: expiryOf(this.t, now, now), now: this.t.now });
  }

  recognise(json: string): string {
    return json;
  }

  load(json: string, stale: boolean, raw: string, now: number): Session<Data, FlashData> | Refusal {
    const payload = parsePayload(json);
    if (!payload) return { reason: "tampered", subject: raw };
    const [data, created, seenAfter, stored, maxAge] = payload;
    const createdAt = created * 1000;
    const lastSeenAt = (created + seenAfter) * 1000;
    const expiresAt = expiryOf(this.t, createdAt, lastSeenAt);
    if (now > expiresAt + this.tolerance) return { reason: "expired", subject: raw };
    const flash = stored && Object.keys(stored).length > 0 ? stored : null;
    // The refresh goes by the earliest the last use can have been (its second was rounded up): never
    // later than due, so a short Max-Age, whose browser clock began then, is re-issued in time.
    const carried: CookieCarried = { lastSeenAt: lastSeenAt - 999, stale, stamp: this.revocation?.stampOf(data) };
    return new Session<Data, FlashData>({ id: "", data, flash, isNew: false, createdAt, expiresAt, maxAge, carried, now: this.t.now });
  }

  /** Nothing to store: the new times (and a revocation stamp) go into the token this write is followed by. */
  write(session: Session<Data, FlashData>, write: Write, now: number): MaybePromise<boolean> {
    const state = stateOf(session);
    // Whole seconds, rounded up: a session ends a fraction of a second late at most, never early (as the stores' do).
    const created = Math.ceil(state.createdAt / 1000);
    const seen = Math.max(created, Math.ceil(now / 1000));
    state.expiresAt = expiryOf(this.t, created * 1000, seen * 1000);
    let carried = state.carried as CookieCarried | undefined;
    if (carried === undefined) state.carried = carried = { lastSeenAt: now, stale: false };
    else carried.lastSeenAt = now;
    if (!this.revocation) return true;
    return chain(this.revocation.written(session, carried.stamp, write === "replace"), (stamp) => {
      // A regenerated session that was revoked meanwhile: nothing is issued, as an id storage creates nothing.
      if (stamp === false) return false;
      carried.stamp = stamp;
      return true;
    });
  }

  /** Nothing is stored; with revocation, every copy of the cookie is refused from now on. */
  remove(_storedId: string, session: Session<Data, FlashData>): MaybePromise<void> {
    const state = stateOf(session);
    return this.revocation?.revokeSession((state.carried as CookieCarried | undefined)?.stamp, state.createdAt);
  }

  token(session: Session<Data, FlashData>, now: number): { json: string; memo: string } {
    const state = stateOf(session);
    // The times `write` gave the session's expiry.
    const created = Math.ceil(state.createdAt / 1000);
    const seen = Math.max(created, Math.ceil(now / 1000));
    const payload: Payload = [state.data, created, seen - created];
    const flash = flashToKeep(session);
    if (flash || state.maxAge !== undefined) payload.push(flash);
    if (state.maxAge !== undefined) payload.push(state.maxAge);
    const json = JSON.stringify(payload);
    return { json, memo: json };
  }

  /** A cookie session has no id: its creation time ties its events together. */
  subject(session: Session<Data, FlashData>): string {
    return String(stateOf(session).createdAt);
  }
}

