/**
 * The typed errors tessera throws. Each message says what to change.
 *
 * Bad input from the network is never an error: a tampered, expired or garbage
 * cookie is a fresh empty session. These errors are for the programmer (bad
 * options, a session too large for a cookie) and for the operator (a store
 * that cannot be reached).
 */

/**
 * `instanceof` for these classes by the error's `name`: a bundler may hold the
 * package more than once (Next.js bundles it for the proxy, the Route Handlers
 * and the pages apart), and an error of one copy must still be an instance of
 * the class of another, or an integration would answer its 503 as a 500. A
 * subclass (the app's own) is matched as JavaScript matches one. A static
 * method, not a field: a build that lowers fields to assignments would throw on
 * the read-only `Function.prototype[Symbol.hasInstance]`.
 */
function byName(self: Function, own: Function, name: string, value: unknown): boolean {
  return Function.prototype[Symbol.hasInstance].call(self, value) || (self === own && value instanceof Error && value.name === name);
}

/** A storage or cookie option is invalid. Thrown when the storage is created. */
export class SessionConfigError extends TypeError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return byName(this, SessionConfigError, "SessionConfigError", value);
  }
  override name = "SessionConfigError";
}

/**
 * A `Set-Cookie` header would exceed 4096 bytes, which browsers drop silently
 * (RFC 6265bis, "Cookie Lifetime Limits"); or a chunked session would exceed
 * its `maxChunks`, or the budget of the `Cookie` header it comes back in
 * (src/lib/token/chunks.ts); or, in header mode, a cookie session's token
 * would be longer than a token header is read (src/lib/token/carrier.ts).
 * Keep less in the session, or move to an id-based storage.
 */
export class CookieTooLargeError extends RangeError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return byName(this, CookieTooLargeError, "CookieTooLargeError", value);
  }
  override name = "CookieTooLargeError";
  constructor(
    /** The cookie's name (in header mode, the header's). */
    readonly cookieName: string,
    /** The bytes it would be, and (below) the most the cap it is over allows. */
    readonly size: number,
    readonly limit = 4096,
    /** Which cap, in words: by default the limit of one `Set-Cookie` line. */
    cap = `the ${limit}-byte limit browsers keep`,
    /** What would carry it, in words. */
    carrier = `cookie "${cookieName}"`,
  ) {
    super(`${carrier} would be ${size} bytes, over ${cap}: store less in the session, or use an id-based storage (memory, file, Redis, PostgreSQL)`);
  }
}

/**
 * A value the session's store cannot hold (PostgreSQL refuses U+0000 in jsonb
 * and text), at save. The app's data is wrong, not the store down: it passes
 * through as itself (integrations let it reach the app as a 500), never as a
 * `SessionStoreError` (a 503 that asks the client to retry what will fail again).
 */
export class SessionValueError extends TypeError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return byName(this, SessionValueError, "SessionValueError", value);
  }
  override name = "SessionValueError";
}

/**
 * A session store failed (unreachable, timed out, refused). The request must
 * not go on as an anonymous session: integrations answer 503.
 */
export class SessionStoreError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return byName(this, SessionStoreError, "SessionStoreError", value);
  }
  override name = "SessionStoreError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * `error` as the app and its clients may see it: a `SessionStoreError` whose
 * message is `message` (the operation, in fixed words; integrations show it in
 * a 503). The store's own error, with its host names, ports and driver text,
 * stays in `cause` for logs. A `SessionStoreError` already, or a
 * `SessionValueError`, is passed through.
 */
export function asStoreError(error: unknown, message: string): SessionStoreError | SessionValueError {
  return error instanceof SessionStoreError || error instanceof SessionValueError ? error : new SessionStoreError(message, { cause: error });
}
