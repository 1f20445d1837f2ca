import { cryptoBackend } from "../crypto/backend.js";

/**
 * A session security event (OWASP "Logging Sessions Life Cycle"). It never
 * carries a token: only a fingerprint, enough to correlate log lines and
 * useless for taking over a session (SECURITY B8, K4).
 */
export interface SessionEvent {
  type: "created" | "regenerated" | "destroyed" | "rejected";
  /** Why a presented session was refused: it did not verify, had expired, or its id is unknown to the store. */
  reason?: "tampered" | "expired" | "unknown";
  /** The session cookie's name. */
  cookie: string;
  /** The first 12 base64url characters of SHA-256 of the presented value or id. */
  fingerprint: string;
}

export type SessionEventListener = (event: SessionEvent) => void;

/** Calls `listener` (when there is one) with an event about `token`. */
export async function emit(
  listener: SessionEventListener | undefined,
  cookie: string,
  token: string,
  type: SessionEvent["type"],
  reason?: SessionEvent["reason"],
): Promise<void> {
  if (!listener) return;
  let hash = cryptoBackend().sha256(`fingerprint:${token}`);
  if (hash instanceof Promise) hash = await hash;
  const event: SessionEvent = { type, cookie, fingerprint: hash.slice(0, 12) };
  if (reason) event.reason = reason;
  listener(event);
}
