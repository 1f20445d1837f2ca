import { SealedCookie, type Cookie, type CookieOptions } from "../cookie/cookie.js";
import type { CookieInput } from "../cookie/header.js";
import { secretsOrEphemeral } from "../cookie/secrets.js";
import { SessionConfigError } from "../errors.js";
import type { MaybePromise } from "../util/maybe-promise.js";
import type { Session, SessionData } from "../session/session.js";
import type { SessionEventListener } from "./events.js";
import type { Transport, TransportOption } from "../token/carrier.js";
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
  name?: string;
}

/** Options every storage takes. */
export interface StorageOptions extends TimeoutOptions {
  /** The session cookie. Its `secrets` are required in production. */
  cookie?: SessionCookieOptions;
  /**
   * Called for security events: sessions created, regenerated, destroyed, and
   * presented sessions refused (tampered, expired, unknown). Off by default, so
   * an attacker cannot flood the logs; wire it to your logger.
   */
  onEvent?: SessionEventListener;
  /**
   * Where the token travels: `"cookie"` (default), or `{ header: "x-session-token" }`
   * / `{ header: "authorization" }` (Bearer) for non-browser clients. In header
   * mode `save` returns the token for that response header, and "" when the
   * session ended.
   */
  transport?: TransportOption;
}

/** Overrides for one `commitSession` call. */
export interface CommitOptions {
  /** Max-Age for this cookie, capped at the session's own expiry. */
  maxAge?: number;
}

/**
 * What every storage offers: `read` and `save` for code that handles the
 * headers itself, and the Remix-style `getSession` / `commitSession` /
 * `destroySession` aliases.
 */
export interface SessionStorage<Data = SessionData, FlashData = Data> {
  /** The session cookie (its name, attributes and sealing apply in header mode too). */
  readonly cookie: Cookie;
  /** Where the token travels; integrations put `save`'s value in `transport.responseHeader`. */
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
   */
  save(session: Session<Data, FlashData>): Promise<string | null>;
  /** Alias of `read` for a `Cookie` header value. */
  getSession(cookieHeader?: string | null): Promise<Session<Data, FlashData>>;
  /** Persists the session and always returns a `Set-Cookie` value. */
  commitSession(session: Session<Data, FlashData>, options?: CommitOptions): Promise<string>;
  /** Ends the session and returns the `Set-Cookie` value that expires the cookie. */
  destroySession(session: Session<Data, FlashData>): Promise<string>;
}

/** The session cookie of a storage: secrets checked (or the development secret), name defaulted. */
export function sessionCookie(options: SessionCookieOptions = {}, encryptByDefault: boolean, now: () => number): SealedCookie {
  const { name, secrets: given, ...rest } = options;
  const secrets = typeof given === "function" ? async () => secretsOrEphemeral(await given()) : secretsOrEphemeral(given);
  // The default name depends on where the cookie is sent, never on `secure`: a cookie renamed
  // between development and production would sign everyone out at the first deploy.
  const hostOnly = rest.domain === undefined && (rest.path ?? "/") === "/";
  if (name === undefined && hostOnly && rest.secure === false) {
    throw new SessionConfigError(
      'cookie.secure: false cannot go with the default name "__Host-session" (browsers refuse a __Host- cookie that is not Secure). ' +
        "Browsers keep Secure cookies from http://localhost, and tessera sends them there outside production: drop secure: false, " +
        'or name the cookie (cookie.name, e.g. "session") to serve plain http on another host.',
    );
  }
  return new SealedCookie(name ?? (hostOnly ? "__Host-session" : "session"), { ...rest, encrypt: rest.encrypt ?? encryptByDefault }, secrets, now);
}

/**
 * @internal How the integrations read and save: like `read` and `save`, but
 * without a promise when the storage can answer at once (a memory store, a
 * cookie on Node), so that such a request makes none. They may throw.
 */
export const readNow: unique symbol = Symbol("tessera.readNow");
/** @internal See `readNow`. */
export const saveNow: unique symbol = Symbol("tessera.saveNow");

/** @internal A storage with the integrations' way in. Both storages of this package have it. */
export interface AnswersAtOnce<Data, FlashData> {
  [readNow](input: CookieInput): MaybePromise<Session<Data, FlashData>>;
  [saveNow](session: Session<Data, FlashData>): MaybePromise<string | null>;
}

/** `storage.read(input)`, without a promise when the storage can answer at once. May throw. */
export function readAtOnce<Data, FlashData>(storage: SessionStorage<Data, FlashData>, input: CookieInput): MaybePromise<Session<Data, FlashData>> {
  const fast = (storage as Partial<AnswersAtOnce<Data, FlashData>>)[readNow];
  return fast ? fast.call(storage, input) : storage.read(input);
}

/** `storage.save(session)`, without a promise when the storage can answer at once. May throw. */
export function saveAtOnce<Data, FlashData>(storage: SessionStorage<Data, FlashData>, session: Session<Data, FlashData>): MaybePromise<string | null> {
  const fast = (storage as Partial<AnswersAtOnce<Data, FlashData>>)[saveNow];
  return fast ? fast.call(storage, session) : storage.save(session);
}
