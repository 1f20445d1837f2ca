// CSRF tokens bound to the session: one random secret per session (kept in its
// values under a reserved key, renewed by regenerateId), handed out masked with
// fresh random bytes each time, so that no two responses carry the same token
// and compression side channels (BREACH) have nothing stable to recover.
import { fromBase64Url, toBase64Url } from "../crypto/base64url.js";
import { RandomPool } from "../crypto/random-pool.js";
import { CSRF_KEY } from "../session/reserved-keys.js";
import { stateOf, type Session } from "../session/session.js";
import { putValue } from "../session/state.js";

const SECRET_BYTES = 32;

/** Masks are drawn from a batch: one CSPRNG call per 4 KiB instead of one per token. */
const pool = new RandomPool((buf) => void globalThis.crypto.getRandomValues(buf));

function random(n: number): Uint8Array {
  return pool.take(n);
}

/** The session's secret as bytes, if it has a well-formed one. */
function secretOf(session: Session<any, any>): Uint8Array | undefined {
  const stored = stateOf(session).data[CSRF_KEY];
  const bytes = typeof stored === "string" ? fromBase64Url(stored) : null;
  return bytes && bytes.length === SECRET_BYTES ? bytes : undefined;
}

/**
 * A CSRF token for a form or a header of `session`'s next unsafe request:
 * `<input type="hidden" name="_csrf" value="${csrfToken(session)}">`. The first
 * call gives the session its secret (so the session is saved); each call masks
 * it anew. A sign-in (`regenerateId()`) renews the secret: render forms after it.
 */
export function csrfToken(session: Session<any, any>): string {
  let secret = secretOf(session);
  if (!secret) {
    if (session.destroyed) throw new Error("csrfToken(session): the session has been destroyed");
    secret = random(SECRET_BYTES);
    putValue(stateOf(session), CSRF_KEY, toBase64Url(secret));
  }
  const mask = random(SECRET_BYTES);
  const token = new Uint8Array(SECRET_BYTES * 2);
  token.set(mask);
  for (let i = 0; i < SECRET_BYTES; i++) token[SECRET_BYTES + i] = mask[i]! ^ secret[i]!;
  return toBase64Url(token);
}

/** Whether `token` is one `csrfToken(session)` handed out (any of them: masks differ, the secret is one). */
export function verifyCsrfToken(session: Session<any, any>, token: unknown): boolean {
  const secret = secretOf(session);
  const bytes = typeof token === "string" && token.length <= 128 ? fromBase64Url(token) : null;
  if (!secret || !bytes || bytes.length !== SECRET_BYTES * 2) return false;
  // Constant time: every byte is compared whatever the first difference.
  let difference = 0;
  for (let i = 0; i < SECRET_BYTES; i++) difference |= bytes[i]! ^ bytes[SECRET_BYTES + i]! ^ secret[i]!;
  return difference === 0;
}
