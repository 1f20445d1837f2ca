import { SealedCookie } from "../cookie/cookie.js";
import { cryptoFor } from "../crypto/backend.js";
import { secretsOrEphemeral } from "../cookie/secrets.js";
import { SessionConfigError } from "../errors.js";
import type { SessionCookieOptions } from "./storage.js";

/** The session cookie of a storage: secrets checked (or the development secret), name defaulted. */
export function sessionCookie(options: SessionCookieOptions = {}, encryptByDefault: boolean, now: () => number): SealedCookie {
  const { name, secrets: given, ...rest } = options;
  const crypto = cryptoFor(rest.crypto);
  const secrets = typeof given === "function" ? async () => secretsOrEphemeral(await given(), crypto) : secretsOrEphemeral(given, crypto);
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
