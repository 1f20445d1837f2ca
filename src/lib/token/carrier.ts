import type { SealedCookie } from "../cookie/cookie.js";
import { cookieHeaderOf, readCookieValue, type CookieInput } from "../cookie/header.js";
import { SessionConfigError } from "../errors.js";

/**
 * Where the session token travels. Cookies by default; header mode serves
 * non-browser clients (`transport: { header: "x-session-token" }`, or
 * `{ header: "authorization" }` for `Bearer` tokens). In header mode the token
 * is read from that request header only (never the cookie, the URL or a form
 * body: SECURITY C3, I1, I2) and returned in the same response header.
 */
export type TransportOption = "cookie" | { header: string };

/** How a storage reads and hands out its token. */
export interface Transport {
  readonly kind: "cookie" | "header";
  /** The response header the storage's `save` value belongs in (`Set-Cookie`, or the configured header). */
  readonly responseHeader: string;
  /** The raw token of a request. */
  token(input: CookieInput): string | undefined;
  /** The response header value carrying `value` (`maxAge` in seconds, cookies only). */
  issue(value: string, maxAge: number | undefined): string;
  /** The response header value that ends the session on the client. */
  clear(): string;
}

/** RFC 9110 field-name = token. */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function createTransport(option: TransportOption | undefined, cookie: SealedCookie): Transport {
  if (option === undefined || option === "cookie") {
    return {
      kind: "cookie",
      responseHeader: "Set-Cookie",
      token: (input) => readCookieValue(cookieHeaderOf(input), cookie.name),
      issue: (value, maxAge) => cookie.setCookie(value, maxAge),
      clear: () => cookie.clear(),
    };
  }
  const name = option?.header;
  if (typeof name !== "string" || !FIELD_NAME.test(name) || name.toLowerCase() === "cookie") {
    throw new SessionConfigError(`option transport.header is invalid: ${JSON.stringify(name)}; use a header name such as "x-session-token" or "authorization"`);
  }
  const bearer = name.toLowerCase() === "authorization";
  const lower = name.toLowerCase();
  return {
    kind: "header",
    responseHeader: name,
    token(input) {
      if (input == null || typeof input === "string") {
        // A bare string is the header's value (as a cookie header string is in cookie mode).
        return input ? fromValue(input) : undefined;
      }
      const headers = input instanceof Headers ? input : input.headers;
      const value = headers?.get(lower);
      return value ? fromValue(value) : undefined;
    },
    issue: (value) => (bearer ? `Bearer ${value}` : value),
    clear: () => "",
  };
  function fromValue(value: string): string | undefined {
    if (value.length > 4096) return undefined;
    if (!bearer) return value.trim();
    return BEARER.exec(value.trim())?.[1];
  }
}
