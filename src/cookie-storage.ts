import { checkMaxAge } from "./cookie/attributes.js";
import { emit, type SessionEventListener } from "./events.js";
import type { SealedCookie } from "./cookie/cookie.js";
import type { CookieInput } from "./cookie/header.js";
import { Session, type SessionData } from "./session.js";
import { createTransport, type Transport } from "./transport.js";
import { sessionCookie, type CommitOptions, type SessionStorage, type StorageOptions } from "./storage.js";
import { expiryOf, resolveTimeouts, secondsUntil, type Timeouts } from "./time.js";

export interface CookieSessionStorageOptions extends StorageOptions {
  /**
   * Accept a cookie up to this many seconds past its expiry, for fleets whose
   * clocks drift apart (iron-session uses 60). Default 0.
   */
  clockTolerance?: number;
}

/**
 * The authenticated payload. Timestamps (whole seconds) live inside it, so
 * timeouts hold even against a client that ignores Max-Age (NIST 800-63B §7.1).
 */
interface Payload {
  /** Values. */
  d: Record<string, unknown>;
  /** Flash values for the next request. */
  f?: Record<string, unknown>;
  /** Created at. */
  c: number;
  /** Last seen at. */
  s: number;
}

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
  if (!isRecord(p) || !isRecord(p.d) || !Number.isInteger(p.c) || !Number.isInteger(p.s)) return null;
  if (p.f !== undefined && !isRecord(p.f)) return null;
  return p as unknown as Payload;
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

class CookieSessionStorage<Data, FlashData>
  implements SessionStorage<Data, FlashData>
{
  readonly cookie: SealedCookie;
  readonly transport: Transport;
  private readonly t: Timeouts;
  private readonly tolerance: number;
  private readonly onEvent: SessionEventListener | undefined;

  constructor(options: CookieSessionStorageOptions) {
    this.t = resolveTimeouts(options);
    this.tolerance = (options.clockTolerance ?? 0) * 1000;
    this.cookie = sessionCookie(options.cookie, true, this.t.now);
    this.transport = createTransport(options.transport, this.cookie);
    this.onEvent = options.onEvent;
  }

  async read(input: CookieInput): Promise<Session<Data, FlashData>> {
    const now = this.t.now();
    const raw = this.transport.token(input);
    let opened = this.cookie.openValue(raw);
    if (opened instanceof Promise) opened = await opened;
    const payload = opened && parsePayload(opened.json);
    if (opened && payload) {
      const createdAt = payload.c * 1000;
      const lastSeenAt = payload.s * 1000;
      const expiresAt = expiryOf(this.t, createdAt, lastSeenAt);
      if (now <= expiresAt + this.tolerance) {
        const flash = payload.f && Object.keys(payload.f).length > 0 ? payload.f : null;
        const session = new Session<Data, FlashData>({ id: "", data: payload.d, flash, isNew: false, createdAt, expiresAt });
        session._stale = opened.stale;
        session._lastSeenAt = lastSeenAt;
        return session;
      }
    }
    if (raw) await emit(this.onEvent, this.cookie.name, raw, "rejected", payload ? "expired" : "tampered");
    return this.fresh(now);
  }

  private fresh(now: number): Session<Data, FlashData> {
    return new Session<Data, FlashData>({ id: "", isNew: true, createdAt: now, expiresAt: expiryOf(this.t, now, now) });
  }

  async save(session: Session<Data, FlashData>): Promise<string | null> {
    if (session.destroyed) return this.destroyed(session);
    const now = this.t.now();
    const lastSeen = session._lastSeenAt;
    const due =
      session.dirty ||
      session._stale ||
      (lastSeen !== undefined && now - lastSeen >= this.t.touch);
    return due ? this.write(session, now) : null;
  }

  private async write(session: Session<Data, FlashData>, now: number, maxAge = this.cookie.attributes.maxAge): Promise<string> {
    const createdAt = session._createdAt;
    const seen = Math.floor(now / 1000);
    const payload: Payload = {
      d: session._data,
      c: Math.floor(createdAt / 1000),
      s: seen,
    };
    if (session._flashOut) payload.f = session._flashOut;
    const expiresAt = expiryOf(this.t, payload.c * 1000, seen * 1000);
    let value = this.cookie.sealValue(JSON.stringify(payload));
    if (value instanceof Promise) value = await value;
    const header = this.transport.issue(value, maxAge === undefined ? undefined : Math.min(maxAge, secondsUntil(expiresAt, now)));
    session._expiresAt = expiresAt;
    if (this.onEvent && (session.isNew || session._previousId !== undefined)) {
      // A cookie session has no id: its creation time ties its events together.
      await emit(this.onEvent, this.cookie.name, String(createdAt), session.isNew ? "created" : "regenerated");
    }
    return header;
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
    return this.write(session, this.t.now(), checkMaxAge(options.maxAge) ?? this.cookie.attributes.maxAge);
  }

  async destroySession(session: Session<Data, FlashData>): Promise<string> {
    session.destroy();
    return this.destroyed(session);
  }
}
