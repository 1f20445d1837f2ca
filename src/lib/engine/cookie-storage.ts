import { checkMaxAge } from "../cookie/attributes.js";
import { emit, type SessionEventListener } from "./events.js";
import type { SealedCookie } from "../cookie/cookie.js";
import type { CookieInput } from "../cookie/header.js";
import { Session, flashKeys, type SessionData } from "../session/session.js";
import { createTransport, type Transport } from "../token/carrier.js";
import { VerifiedTokens } from "./verified-tokens.js";
import { promised, then, type MaybePromise } from "../util/maybe-promise.js";
import {
  readNow,
  saveNow,
  sessionCookie,
  type AnswersAtOnce,
  type CommitOptions,
  type SessionStorage,
  type StorageOptions,
} from "./storage.js";
import { expiryOf, resolveTimeouts, secondsUntil, type Timeouts } from "./timeouts.js";

export interface CookieSessionStorageOptions extends StorageOptions {
  /**
   * Accept a cookie up to this many seconds past its expiry, for fleets whose
   * clocks drift apart (iron-session uses 60). Default 0.
   */
  clockTolerance?: number;
}

/**
 * The authenticated payload, `[data, createdAt, lastSeenAt - createdAt]` with
 * the flash values fourth when there are some (null when there are none but a
 * fifth entry follows), and the session's own cookie lifetime fifth when it has one. Times are whole seconds and live
 * inside the payload, so timeouts hold even against a client that ignores
 * Max-Age (NIST 800-63B §7.1). An array and a difference keep them short: this
 * text travels in both directions on every request (about 30 bytes fewer than
 * named fields, measured on a small session).
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
 * Sessions stored entirely in the cookie, encrypted with AES-256-GCM by default
 * (`cookie: { encrypt: false }` signs only, with HMAC-SHA-256). No server state:
 * a cookie cannot be revoked before it expires, so keep `idleTimeout` short for
 * sensitive apps.
 *
 * ```ts
 * const storage = createCookieSessionStorage({ cookie: { secrets: [process.env.SESSION_SECRET!] } });
 * const session = await storage.read(request);
 * session.set("count", Number(session.get("count") ?? 0) + 1);
 * const setCookie = await storage.save(session); // null when nothing changed
 * ```
 */
export function createCookieSessionStorage<Data = SessionData, FlashData = Data>(
  options: CookieSessionStorageOptions = {},
): SessionStorage<Data, FlashData> {
  return new CookieSessionStorage<Data, FlashData>(options);
}

class CookieSessionStorage<Data, FlashData> implements SessionStorage<Data, FlashData>, AnswersAtOnce<Data, FlashData> {
  readonly cookie: SealedCookie;
  readonly transport: Transport;
  private readonly t: Timeouts;
  private readonly tolerance: number;
  private readonly onEvent: SessionEventListener | undefined;
  /** Authentic values this storage lately issued or opened, each with its JSON. */
  private readonly verified = new VerifiedTokens<string>();

  constructor(options: CookieSessionStorageOptions) {
    this.t = resolveTimeouts(options);
    this.tolerance = (options.clockTolerance ?? 0) * 1000;
    this.cookie = sessionCookie(options.cookie, true, this.t.now);
    this.transport = createTransport(options.transport, this.cookie);
    this.onEvent = options.onEvent;
  }

  read(input: CookieInput): Promise<Session<Data, FlashData>> {
    return promised(() => this[readNow](input));
  }

  [readNow](input: CookieInput): MaybePromise<Session<Data, FlashData>> {
    const now = this.t.now();
    const raw = this.transport.token(input);
    if (!raw) return this.fresh(now);
    const known = this.verified.get(raw);
    if (known !== undefined) return this.adopt(raw, known, false, true, now);
    return then(this.cookie.openValue(raw), (opened) =>
      opened ? this.adopt(raw, opened.json, opened.stale, false, now) : this.rejected(raw, "tampered", now),
    );
  }

  /** The session in an authentic value, unless it expired. */
  private adopt(raw: string, json: string, stale: boolean, known: boolean, now: number): MaybePromise<Session<Data, FlashData>> {
    const payload = parsePayload(json);
    if (!payload) return this.rejected(raw, "tampered", now);
    const [data, created, seenAfter, stored, maxAge] = payload;
    const createdAt = created * 1000;
    const lastSeenAt = (created + seenAfter) * 1000;
    const expiresAt = expiryOf(this.t, createdAt, lastSeenAt);
    if (now > expiresAt + this.tolerance) return this.rejected(raw, "expired", now);
    // A value under an older secret is about to be replaced: not worth remembering.
    if (!known && !stale) this.verified.add(raw, json);
    const flash = stored && Object.keys(stored).length > 0 ? stored : null;
    const session = new Session<Data, FlashData>({ id: "", data, flash, isNew: false, createdAt, expiresAt, maxAge });
    session._stale = stale;
    session._lastSeenAt = lastSeenAt;
    return session;
  }

  /** A presented value that is refused: a fresh session, after the event (when someone listens). */
  private rejected(raw: string, reason: "tampered" | "expired", now: number): MaybePromise<Session<Data, FlashData>> {
    if (!this.onEvent) return this.fresh(now);
    return emit(this.onEvent, this.cookie.name, raw, "rejected", reason).then(() => this.fresh(now));
  }

  private fresh(now: number): Session<Data, FlashData> {
    return new Session<Data, FlashData>({ id: "", isNew: true, createdAt: now, expiresAt: expiryOf(this.t, now, now) });
  }

  save(session: Session<Data, FlashData>): Promise<string | null> {
    return promised(() => this[saveNow](session));
  }

  [saveNow](session: Session<Data, FlashData>): MaybePromise<string | null> {
    if (session.destroyed) return this.destroyed(session);
    const now = this.t.now();
    const lastSeen = session._lastSeenAt;
    // A touch re-issues the cookie: its payload carries "last seen", which slides the idle timeout.
    const due = session.dirty || session._stale || (lastSeen !== undefined && now - lastSeen >= this.t.touch);
    return due ? this.write(session, now) : null;
  }

  private write(session: Session<Data, FlashData>, now: number): MaybePromise<string> {
    const createdAt = session._createdAt;
    const created = Math.floor(createdAt / 1000);
    const seen = Math.max(created, Math.floor(now / 1000));
    const payload: Payload = [session._data, created, seen - created];
    const flash = flashToKeep(session);
    const maxAge = session._maxAge ?? this.cookie.attributes.maxAge;
    if (flash || session._maxAge !== undefined) payload.push(flash);
    if (session._maxAge !== undefined) payload.push(session._maxAge);
    const expiresAt = expiryOf(this.t, created * 1000, seen * 1000);
    const json = JSON.stringify(payload);
    return then(this.cookie.sealValue(json), (value) => {
      // The client will present this value next: it is known authentic already.
      this.verified.add(value, json);
      const header = this.transport.issue(value, maxAge === undefined ? undefined : Math.min(maxAge, secondsUntil(expiresAt, now)));
      session._expiresAt = expiresAt;
      if (!this.onEvent || !(session.isNew || session._regenerated)) return header;
      // A cookie session has no id: its creation time ties its events together.
      return emit(this.onEvent, this.cookie.name, String(createdAt), session.isNew ? "created" : "regenerated").then(() => header);
    });
  }

  private async destroyed(session: Session<Data, FlashData>): Promise<string> {
    if (!session.isNew) await emit(this.onEvent, this.cookie.name, String(session._createdAt), "destroyed");
    return this.transport.clear();
  }

  getSession(cookieHeader?: string | null): Promise<Session<Data, FlashData>> {
    return this.read(cookieHeader);
  }

  async commitSession(session: Session<Data, FlashData>, options: CommitOptions = {}): Promise<string> {
    if (session.destroyed) return this.destroyed(session);
    // A lifetime given here is the session's own from now on: the payload carries it to every re-issue.
    if (options.maxAge !== undefined) session.setMaxAge(checkMaxAge(options.maxAge)!);
    return this.write(session, this.t.now());
  }

  async destroySession(session: Session<Data, FlashData>): Promise<string> {
    session.destroy();
    return this.destroyed(session);
  }
}

/**
 * The flash values the next cookie carries: those set now, and those that came
 * in and were not read (a request that never looks at a flash leaves it for
 * the one that does). Null when there are none.
 */
function flashToKeep(session: Session<any, any>): Record<string, unknown> | null {
  const out = session._flashOut;
  const unread = session._flashIn === null ? [] : flashKeys(session, false);
  if (unread.length === 0) return out;
  const keep: Record<string, unknown> = Object.create(null);
  for (const k of unread) keep[k] = session._flashIn![k];
  return out ? Object.assign(keep, out) : keep;
}
