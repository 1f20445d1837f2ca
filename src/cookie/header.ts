import { parseCookie } from "cookie";

/** Where a cookie can be read from: a Fetch `Request`, its `Headers`, a `Cookie` header value, or nothing. */
export type CookieInput = Request | Headers | string | null | undefined;

/**
 * Headers larger than this were not sent by a browser (Node rejects requests
 * with more than 16 KiB of headers by default); they are ignored before any
 * parsing or crypto (ASVS5 4.2.5, SECURITY H5).
 */
export const MAX_COOKIE_HEADER = 16 * 1024;

/** The `Cookie` header of `input`. Several header fields arrive joined by "; " (Fetch does this). */
export function cookieHeaderOf(input: CookieInput): string | null {
  if (input == null) return null;
  if (typeof input === "string") return input;
  const headers = input instanceof Headers ? input : (input as Request).headers;
  return headers?.get("cookie") ?? null;
}

// Values are taken verbatim: tessera's own values are base64url and never
// percent-encoded, and skipping decodeURIComponent leaves nothing to throw.
const verbatim = (s: string) => s;

/**
 * The value of cookie `name`, or undefined. The `cookie` package does the
 * grammar (its result has no prototype, so `__proto__` is an ordinary name);
 * with several cookies of one name the first wins, as browsers order the most
 * specific path first (RFC 6265 §5.4).
 */
export function readCookieValue(header: string | null, name: string): string | undefined {
  if (!header || header.length > MAX_COOKIE_HEADER) return undefined;
  // Most requests carry no cookie of ours: skip the parse entirely then.
  if (!header.includes(name)) return undefined;
  return parseCookie(header, { decode: verbatim })[name];
}
