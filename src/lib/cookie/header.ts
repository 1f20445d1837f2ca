/** Where a cookie can be read from: a Fetch `Request`, its `Headers`, a `Cookie` header value, or nothing. */
export type CookieInput = Request | Headers | string | null | undefined;

/** The `Cookie` header of `input`. Several header fields arrive joined by "; " (Fetch does this). */
export function cookieHeaderOf(input: CookieInput): string | null {
  if (input == null) return null;
  if (typeof input === "string") return input;
  const headers = input instanceof Headers ? input : (input as Request).headers;
  return headers?.get("cookie") ?? null;
}

const SEMICOLON = 0x3b;
const SPACE = 0x20;
const TAB = 0x09;
const EQUALS = 0x3d;
const DQUOTE = 0x22;

/**
 * The value of cookie `name` in a `Cookie` header, or undefined.
 *
 * RFC 6265 §4.2.1: cookie-string = cookie-pair *( ";" SP cookie-pair ), and
 * cookie-pair = cookie-name "=" cookie-value. The header is searched for
 * `name` where a pair begins (the start, or after ";" and optional
 * whitespace), so the work is linear in the header's size whatever it holds
 * and no other cookie is parsed: a 64 KiB header of tiny cookies (which Bun,
 * Deno and Workers accept) costs one scan. With several cookies of one name the
 * first wins, as browsers send the most specific path first (RFC 6265 §5.4).
 * Values are taken verbatim (a DQUOTE pair stripped, as `cookie-value` allows):
 * tessera's own values are base64url, and skipping percent-decoding leaves
 * nothing to throw. `__proto__` is an ordinary name here: nothing is indexed.
 */
export function readCookieValue(header: string | null, name: string): string | undefined {
  if (!header || name === "") return undefined;
  for (let at = header.indexOf(name); at !== -1; at = header.indexOf(name, at + 1)) {
    if (!startsPair(header, at)) continue;
    let i = at + name.length;
    while (i < header.length && (header.charCodeAt(i) === SPACE || header.charCodeAt(i) === TAB)) i++;
    if (header.charCodeAt(i) !== EQUALS) continue;
    let end = header.indexOf(";", i + 1);
    if (end === -1) end = header.length;
    let start = i + 1;
    while (start < end && (header.charCodeAt(start) === SPACE || header.charCodeAt(start) === TAB)) start++;
    while (end > start && (header.charCodeAt(end - 1) === SPACE || header.charCodeAt(end - 1) === TAB)) end--;
    if (end - start >= 2 && header.charCodeAt(start) === DQUOTE && header.charCodeAt(end - 1) === DQUOTE) {
      start++;
      end--;
    }
    return header.slice(start, end);
  }
  return undefined;
}

/** True when `at` is where a cookie-pair begins: the start, or after ";" and optional whitespace. */
function startsPair(header: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (header.charCodeAt(i) === SPACE || header.charCodeAt(i) === TAB)) i--;
  return i < 0 || header.charCodeAt(i) === SEMICOLON;
}
