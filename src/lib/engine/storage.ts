// The public storage API: what every storage offers, and what integrations may rely on.
import type { Cookie, CookieOptions } from "../cookie/cookie.js";
import type { CookieInput } from "../cookie/header.js";
import type { Session, SessionData } from "../session/session.js";
import type { SessionEventListener } from "./events.js";
import type { SchemaOptions } from "./schema.js";
import type { TimeoutOptions } from "./timeouts.js";

/** The session cookie's options: those of `createCookie`, plus its name. */
export interface SessionCookieOptions extends Omit<CookieOptions, "secrets"> {
  /**
   * Secrets, newest first: the first seals, all open. `undefined` entries are
   * left out, so `[process.env.SESSION_SECRET]` works as it is written: unset
   * outside production it means the development secret; in production, an error.
   * A function is asked once, when the first request needs the keys, for secrets
   * that arrive after the storage is made (a Workers `env`, a KMS); if it throws,
   * that request fails and the next one asks again.
   */
  secrets?: ReadonlyArray<string | undefined> | (() => ReadonlyArray<string | undefined> | Promise<ReadonlyArray<string | undefined>>);
  /**
   * Default `__Host-session` (Secure, Path=/, no Domain: the browser then refuses
   * the same name from a subdomain, which stops cookie tossing), or `session`
   * with a `domain` or a `path` other than `/`. The same in development and
   * production: `secure: false` with the default name is an error.
   */
  name?: string | undefined;
}

/**
 * Where the token travels: `"cookie"` (default), or `{ header: "x-session-token" }`
 * / `{ header: "authorization" }` (Bearer) for non-browser clients. In header
 * mode the token is read from that request header only (never the cookie, the
 * URL or a form body) and returned in the same response header.
 */
export type TransportOption = "cookie" | { header: string };

/** How a response carries `save`'s value. */
export interface HeaderOperation {
  /** `Set-Cookie`, or the configured token header. */
  name: string;
  value: string;
  /** Append (one `Set-Cookie` among the app's own) rather than set. */
  append: boolean;
  /** The request header the response now depends on, for `Vary`. */
  vary: string;
}

/** How a storage reads and hands out its token (the cookie, or a header). */
export interface Transport {
  readonly kind: "cookie" | "header";
  /** The response header the storage's `save` value belongs in (`Set-Cookie`, or the configured header). */
  readonly responseHeader: string;
  /** The request header the token is read from, lower-case (`cookie`, or the configured header). */
  readonly requestHeader: string;
  /**
   * The token travels in a `Secure` cookie: an integration holds it back in
   * answer to a plain-http request the browser would keep it from.
   */
  readonly needsSecureOrigin: boolean;
  /** The raw token of a request: a bare string is the value of `requestHeader`. */
  token(input: CookieInput): string | undefined;
  /**
   * Chunked cookies only (the cookie storage's `maxChunks`): the token of a
   * request, its chunks joined, and `sent`, which of the session's cookies the
   * request carried (the carrier's own bits), for `issue` and `clear` to expire
   * those the new token does not use.
   */
  read?(input: CookieInput): { token: string | undefined; sent: number };
  /**
   * The response header value carrying `value` (`maxAge` in seconds, cookies
   * only): several `Set-Cookie` lines joined by "\n" when a chunked session needs them.
   */
  issue(value: string, maxAge: number | undefined, sent?: number): string;
  /** The response header value that ends the session on the client (every cookie of `sent` too). */
  clear(sent?: number): string;
  /** How a response carries `value` (what `save` returned; each of its `setCookieLines` a header of its own). */
  header(value: string): HeaderOperation;
}

/** Options every storage takes (`Data`: the session's values, inferred from `schema` when one is given). */
export interface StorageOptions<Data = SessionData> extends TimeoutOptions, SchemaOptions<Data> {
  /** The session cookie. Its `secrets` are required in production. */
  cookie?: SessionCookieOptions | undefined;
  /**
   * Called for security events: sessions created, regenerated, destroyed, and
   * presented sessions refused (tampered, expired, unknown). Off by default, so
   * an attacker cannot flood the logs; wire it to your logger.
   */
  onEvent?: SessionEventListener | undefined;
  /**
   * Where the token travels: `"cookie"` (default), or `{ header: "x-session-token" }`
   * / `{ header: "authorization" }` (Bearer) for non-browser clients. In header
   * mode `save` returns the token for that response header, and "" when the
   * session ended.
   */
  transport?: TransportOption | undefined;
}

/** Overrides for one `commitSession` call. */
export interface CommitOptions {
  /** Max-Age for this cookie, capped at the session's own expiry. */
  maxAge?: number | undefined;
}

/**
 * What every storage offers: `read` and `save` for code that handles the
 * headers itself, and the Remix-style `getSession` / `commitSession` /
 * `destroySession` aliases.
 */
export interface SessionStorage<Data = SessionData, FlashData = Data> {
  /** The session cookie (its name, attributes and sealing apply in header mode too). */
  readonly cookie: Cookie;
  /** Where the token travels; integrations put `save`'s value where `transport.header(value)` says. */
  readonly transport: Transport;
  /**
   * The session of `input`. A missing, tampered, expired or unknown session is
   * a fresh empty one (`isNew`), never an error; a store that fails rejects with
   * `SessionStoreError`.
   */
  read(input: CookieInput): Promise<Session<Data, FlashData>>;
  /**
   * Persists the session and returns the `Set-Cookie` value to send, or null
   * when nothing needs sending (unchanged and no touch due, or the session was
   * destroyed or replaced by another request meanwhile: then nothing is written).
   * With chunked cookies (`maxChunks`) the value may be several lines joined by
   * "\n": `setCookieLines` splits it, one header each.
   */
  save(session: Session<Data, FlashData>): Promise<string | null>;
  /** Alias of `read` for a `Cookie` header value. */
  getSession(cookieHeader?: string | null): Promise<Session<Data, FlashData>>;
  /** Persists the session and always returns a `Set-Cookie` value. */
  commitSession(session: Session<Data, FlashData>, options?: CommitOptions): Promise<string>;
  /** Ends the session and returns the `Set-Cookie` value that expires the cookie. */
  destroySession(session: Session<Data, FlashData>): Promise<string>;
}
