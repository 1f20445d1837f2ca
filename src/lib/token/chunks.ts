import { MAX_CHUNKED_BYTES, MAX_COOKIE_BYTES, serializeClearCookie } from "../cookie/attributes.js";
import type { SealedCookie } from "../cookie/cookie.js";
import { cookieHeaderOf, readCookieValue, type CookieInput } from "../cookie/header.js";
import type { Transport } from "../engine/storage.js";
import { CookieTooLargeError, SessionConfigError } from "../errors.js";
import { joinSetCookies } from "../util/set-cookie-lines.js";

/**
 * The most `maxChunks` may be. The Cookie budget (MAX_CHUNKED_BYTES in
 * src/lib/cookie/attributes.ts) is what bounds a session; with ordinary
 * attributes two chunks fill it, and four with the longest Path and Domain a
 * browser keeps (1,024 bytes each), when a chunk carries about 1.8 KB.
 */
export const MAX_CHUNKS = 4;

/** `maxChunks`, checked: 1 (the default) is one cookie, as without the option. */
export function checkMaxChunks(maxChunks: number | undefined): number {
  if (maxChunks === undefined) return 1;
  if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > MAX_CHUNKS) {
    throw new SessionConfigError(`option maxChunks is invalid: ${String(maxChunks)}; use a whole number from 1 to ${MAX_CHUNKS}`);
  }
  return maxChunks;
}

/**
 * The session cookie, in chunks when it is too large for one: the sealed value
 * cut into `name.0`, `name.1`, … (a `__Host-` prefix stays in front), every
 * `Set-Cookie` line within 4096 bytes, all of them within the Cookie budget.
 * A value that fits one cookie keeps the plain `name`, byte for byte.
 *
 * Read back: the plain `name` when the request has it, else the chunks from
 * `name.0` on, as far as they run, joined and opened as one sealed value. The
 * seal is over the whole value and bound to the plain name (src/lib/cookie/seal.ts),
 * so a chunk of another session, one missing, one left over, or chunks in
 * another order open as nothing: a fresh session and a "tampered" event
 * (without a `name.0` there is nothing to open: a fresh session). A read looks
 * up the plain name and `maxChunks` chunk names, no more: a `name.9` is no
 * cookie of this session.
 *
 * `sent` has bit 0 for the plain name and bit i + 1 for chunk i: each save
 * expires those the request carried that its new cookie does not use. Two
 * requests of one browser may be in flight with the same cookies, and the
 * browser keeps what the response answered last sets; so a save in chunks
 * expires the plain name and every chunk past its own, carried or not (a racing
 * request's plain cookie would be read first, its longer value would leave a
 * chunk behind that spoils this one), and an ending expires them all. A value
 * that fits one cookie expires only what the request carried: the plain name is
 * read first whatever chunks are left beside it, and a session that never
 * needs chunks gets its one line, byte for byte as without the option.
 */
export function chunkedCookie(cookie: SealedCookie, maxChunks: number): Pick<Transport, "read" | "token" | "issue" | "clear"> {
  const { name } = cookie;
  // The session's cookies by their bit in `sent`: the plain name, then each chunk.
  const names = [name];
  for (let i = 0; i < maxChunks; i++) names.push(`${name}.${i}`);
  /** Every bit of `sent`: the plain name and each chunk. */
  const ALL = (2 << maxChunks) - 1;
  /** `lines`, and one that expires each cookie of `stale`, as one value. */
  const withClears = (lines: string[], stale: number): string => {
    names.forEach((one, bit) => (stale >> bit) & 1 && lines.push(serializeClearCookie(one, cookie.rendered)));
    return joinSetCookies(lines);
  };
  const read = (input: CookieInput): { token: string | undefined; sent: number } => {
    const header = cookieHeaderOf(input);
    let plain: string | undefined;
    let joined = "";
    let sent = 0;
    let run = 0;
    names.forEach((one, bit) => {
      const value = readCookieValue(header, one);
      if (value === undefined) return;
      sent |= 1 << bit;
      // An empty one is a cookie just expired that a framework still shows (Next's cookies() after a save): expired again, never read.
      if (value === "") return;
      if (bit === 0) plain = value;
      // The run from `name.0` on: a chunk after a missing one is not joined.
      else if (run === bit - 1) {
        joined += value;
        run = bit;
      }
    });
    return { token: plain ?? (joined || undefined), sent };
  };
  return {
    read,
    token: (input) => read(input).token,
    issue(value, maxAge, sent = 0) {
      // The attributes of this save's lines, rendered once: every chunk names the same Expires.
      const attributes = cookie.setCookie("", maxAge).slice(name.length + 1);
      // What a line leaves for `=value`, or for `.i=piece` (i is one digit).
      const room = MAX_COOKIE_BYTES - name.length - attributes.length;
      if (value.length < room) return withClears([`${name}=${value}${attributes}`], sent & ~1);
      const piece = room - 3;
      if (piece < 1) throw new CookieTooLargeError(name, MAX_COOKIE_BYTES + 1 - room + value.length);
      const count = Math.ceil(value.length / piece);
      // What the browser sends back: `name.0=…; name.1=…`.
      const bytes = value.length + count * (name.length + 5) - 2;
      if (bytes > MAX_CHUNKED_BYTES) throw new CookieTooLargeError(name, bytes, MAX_CHUNKED_BYTES, `the ${MAX_CHUNKED_BYTES}-byte Cookie budget of maxChunks`);
      if (count > maxChunks) throw new CookieTooLargeError(name, value.length, piece * maxChunks, `what maxChunks: ${maxChunks} carries`);
      const lines: string[] = [];
      for (let i = 0; i < count; i++) lines.push(`${names[i + 1]}=${value.slice(i * piece, (i + 1) * piece)}${attributes}`);
      // The plain name and every chunk past these are expired, carried or not: a request racing this one
      // may have set them (a session shrunk to one cookie, or grown to more chunks).
      return withClears(lines, ALL & ~((2 << count) - 2));
    },
    // Every cookie of the session: a racing request may have set chunks this one never carried.
    clear: () => withClears([cookie.clear()], ALL & ~1),
  };
}
