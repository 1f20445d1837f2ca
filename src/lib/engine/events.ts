import type { CryptoBackend } from "../crypto/types.js";
import type { RefusalReason } from "./backend.js";

/**
 * A session security event (OWASP "Logging Sessions Life Cycle"). It never
 * carries a token: only a fingerprint, enough to correlate log lines and
 * useless for taking over a session (docs/security.md, B8 and K4).
 */
export interface SessionEvent {
  type: "created" | "regenerated" | "destroyed" | "rejected" | "new-device";
  /**
   * Why a presented session was refused: it did not verify, had expired, its id
   * is unknown to the store, its values failed the storage's `schema`, or (a
   * cookie session with `revocation`) it was revoked.
   */
  reason?: RefusalReason;
  /** The session cookie's name. */
  cookie: string;
  /** The first 12 base64url characters of SHA-256 of the presented value or id. */
  fingerprint: string;
  /** "new-device": the user who signed in, and the device (`recordDevice`) none of their other sessions is on. */
  user?: string;
  device?: string;
}

export type SessionEventListener = (event: SessionEvent) => void;

/** Tells `listener` of an event about `subject` (a token or an id), fingerprinted with `crypto`. */
export async function emit(
  listener: SessionEventListener,
  crypto: CryptoBackend,
  cookie: string,
  subject: string,
  type: SessionEvent["type"],
  reason?: SessionEvent["reason"],
  more?: Pick<SessionEvent, "user" | "device">,
): Promise<void> {
  let hash = crypto.sha256(`fingerprint:${subject}`);
  if (hash instanceof Promise) hash = await hash;
  const event: SessionEvent = { type, cookie, fingerprint: hash.slice(0, 12), ...more };
  if (reason) event.reason = reason;
  // A listener is the app's logging: when it fails, the session goes on. Otherwise a logger that is down
  // would turn every forged cookie an attacker sends into a failed request.
  const failed = (error: unknown) => console.error(`tessera: onEvent failed on a ${type} event, ignored`, error);
  try {
    const out: unknown = listener(event);
    if (out instanceof Promise) out.catch(failed);
  } catch (error) {
    failed(error);
  }
}
