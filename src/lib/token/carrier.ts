import type { SealedCookie } from "../cookie/cookie.js";
import { cookieHeaderOf, readCookieValue } from "../cookie/header.js";
import type { Transport, TransportOption } from "../engine/storage.js";
import { CookieTooLargeError, SessionConfigError } from "../errors.js";
import { checkMaxChunks, chunkedCookie } from "./chunks.js";

/** RFC 9110 field-name = token. */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
/**
 * A token header longer than this is not one (and is not scanned); so a cookie
 * session is never issued a longer one, which the next request would drop.
 */
const MAX_HEADER_TOKEN = 4096;

/**
 * The carrier of a storage's token: the session cookie by default (in up to
 * `maxChunks` chunks, src/lib/token/chunks.ts), or one request/response header
 * for non-browser clients (docs/security.md, C3, I1, I2: the token is read from
 * that header only, never the cookie, the URL or a body; it is never chunked).
 */
export function createCarrier(option: TransportOption | undefined, cookie: SealedCookie, maxChunks?: number): Transport {
  const chunks = checkMaxChunks(maxChunks);
  if (option === undefined || option === "cookie") return chunks > 1 ? Object.assign(cookieCarrier(cookie), chunkedCookie(cookie, chunks)) : cookieCarrier(cookie);
  const name = option?.header;
  if (typeof name !== "string" || !FIELD_NAME.test(name) || name.toLowerCase() === "cookie") {
    throw new SessionConfigError(`option transport.header is invalid: ${JSON.stringify(name)}; use a header name such as "x-session-token" or "authorization"`);
  }
  return headerCarrier(name);
}

function cookieCarrier(cookie: SealedCookie): Transport {
  return {
    kind: "cookie",
    responseHeader: "Set-Cookie",
    requestHeader: "cookie",
    needsSecureOrigin: cookie.attributes.secure === true,
    token: (input) => readCookieValue(cookieHeaderOf(input), cookie.name),
    issue: (value, maxAge) => cookie.setCookie(value, maxAge),
    clear: () => cookie.clear(),
    header: (value) => ({ name: "Set-Cookie", value, append: true, vary: "Cookie" }),
  };
}

function headerCarrier(name: string): Transport {
  const lower = name.toLowerCase();
  const bearer = lower === "authorization";
  const fromValue = (value: string): string | undefined => {
    if (value.length > MAX_HEADER_TOKEN) return undefined;
    return bearer ? BEARER.exec(value.trim())?.[1] : value.trim();
  };
  return {
    kind: "header",
    responseHeader: name,
    requestHeader: lower,
    needsSecureOrigin: false,
    token(input) {
      if (input == null || typeof input === "string") return input ? fromValue(input) : undefined;
      const value = (input instanceof Headers ? input : input.headers)?.get(lower);
      return value ? fromValue(value) : undefined;
    },
    issue(value) {
      const issued = bearer ? `Bearer ${value}` : value;
      if (issued.length > MAX_HEADER_TOKEN) {
        throw new CookieTooLargeError(name, issued.length, MAX_HEADER_TOKEN, `the ${MAX_HEADER_TOKEN} bytes a token header is read up to`, `the token header "${name}"`);
      }
      return issued;
    },
    clear: () => "",
    header: (value) => ({ name, value, append: false, vary: name }),
  };
}
