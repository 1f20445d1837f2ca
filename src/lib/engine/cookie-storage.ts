import type { CryptoBackend } from "../crypto/types.js";
import { SessionConfigError } from "../errors.js";
import type { SessionData } from "../session/session.js";
import { createCarrier } from "../token/carrier.js";
import { allChecks } from "./backend.js";
import { CookieBackend, type CookieRevocation } from "./cookie-backend.js";
import { Engine, type EngineParts } from "./engine.js";
import { sessionCheck } from "./schema.js";
import { sessionCookie } from "./session-cookie.js";
import type { SessionStorage, StorageOptions } from "./storage.js";
import { resolveTimeouts, type Timeouts } from "./timeouts.js";

export interface CookieSessionStorageOptions<Data = SessionData> extends StorageOptions<Data> {
  /**
   * Accept a cookie up to this many seconds past its expiry, for fleets whose
   * clocks drift apart (iron-session uses 60): a whole number from 0 to 3600. Default 0.
   */
  clockTolerance?: number | undefined;
  /**
   * A session too large for one cookie goes out in up to this many (`name.0`,
   * `name.1`, …), within a 6 KB budget for the Cookie header they come back in.
   * A whole number from 1 to 4; default 1: one cookie, a larger session is a
   * `CookieTooLargeError`. Code that writes headers itself splits what `save`
   * returns with `setCookieLines`. Cookies only: a token header is never chunked.
   */
  maxChunks?: number | undefined;
}

/**
 * Sessions stored entirely in the cookie, encrypted with AES-256-GCM by default
 * (`cookie: { encrypt: false }` signs only, with HMAC-SHA-256). No server state:
 * a cookie cannot be ended before it expires (unless the storage is made with
 * `createRevocableCookieSessionStorage`), so keep `idleTimeout` short for
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
  options: CookieSessionStorageOptions<Data> = {},
): SessionStorage<Data, FlashData> {
  if ((options as { revocation?: unknown }).revocation !== undefined) {
    throw new SessionConfigError("option revocation: a revocable cookie storage is made with createRevocableCookieSessionStorage");
  }
  return new Engine<Data, FlashData>(cookieStorageParts(options, undefined));
}

/** Clocks an hour apart are a fault to fix, not to tolerate. */
const MAX_TOLERANCE = 3600;

/** The `clockTolerance` option in seconds: NaN or Infinity would accept every expired cookie for good. */
function toleranceOf(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_TOLERANCE) {
    throw new SessionConfigError(`option clockTolerance is invalid: ${String(value)}; use whole seconds from 0 to ${MAX_TOLERANCE}`);
  }
  return value;
}

/** What `createRevocableCookieSessionStorage` adds to a cookie storage: made once the storage's cookie and clock are. */
export type MakeRevocation = (crypto: CryptoBackend, timeouts: Timeouts, tolerance: number) => CookieRevocation;

/** @internal The parts of a cookie storage, with a revocation or without. */
export function cookieStorageParts<Data, FlashData>(options: CookieSessionStorageOptions<Data>, makeRevocation: MakeRevocation | undefined): EngineParts<Data, FlashData> {
  const timeouts = resolveTimeouts(options);
  const cookie = sessionCookie(options.cookie, true, timeouts.now);
  const tolerance = toleranceOf(options.clockTolerance) * 1000;
  const revocation = makeRevocation?.(cookie.crypto, timeouts, tolerance);
  return {
    backend: new CookieBackend<Data, FlashData>(timeouts, tolerance, revocation),
    cookie,
    carrier: createCarrier(options.transport, cookie, options.maxChunks),
    timeouts,
    onEvent: options.onEvent,
    check: allChecks([revocation && ((session) => revocation.check(session)), sessionCheck(options)]),
  };
}
