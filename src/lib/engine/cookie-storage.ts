import type { SessionData } from "../session/session.js";
import { createCarrier } from "../token/carrier.js";
import { CookieBackend } from "./cookie-backend.js";
import { Engine } from "./engine.js";
import { sessionCheck } from "./schema.js";
import { sessionCookie } from "./session-cookie.js";
import type { SessionStorage, StorageOptions } from "./storage.js";
import { resolveTimeouts } from "./timeouts.js";

export interface CookieSessionStorageOptions<Data = SessionData> extends StorageOptions<Data> {
  /**
   * Accept a cookie up to this many seconds past its expiry, for fleets whose
   * clocks drift apart (iron-session uses 60). Default 0.
   */
  clockTolerance?: number | undefined;
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
  options: CookieSessionStorageOptions<Data> = {},
): SessionStorage<Data, FlashData> {
  const timeouts = resolveTimeouts(options);
  const cookie = sessionCookie(options.cookie, true, timeouts.now);
  return new Engine<Data, FlashData>({
    backend: new CookieBackend<Data, FlashData>(timeouts, (options.clockTolerance ?? 0) * 1000),
    cookie,
    carrier: createCarrier(options.transport, cookie),
    timeouts,
    onEvent: options.onEvent,
    check: sessionCheck(options),
  });
}
