import { parseSetCookie, type SetCookie } from "cookie";
import type { SessionStorage } from "../engine/storage.js";
import { isCookieOf } from "../util/cookie-of.js";

/** Next's `cookies()` store, as far as tessera uses it. */
export interface NextCookieStore {
  get(name: string): { value: string } | undefined;
  getAll(): Array<{ name: string; value: string }>;
  set(cookie: SetCookie & { value: string }): unknown;
}

/** Next's `headers()`, as far as tessera uses it. */
export interface NextHeaderStore {
  get(name: string): string | null;
}

/** What `storage.read` takes for the request Next's stores describe, and the raw token in it. */
export function requestToken(storage: SessionStorage<any, any>, cookies: NextCookieStore, headers: NextHeaderStore): { input: string | null; token: string | undefined } {
  const { transport } = storage;
  if (transport.kind === "header") {
    const input = headers.get(transport.requestHeader);
    return { input, token: transport.token(input) };
  }
  // Next's cookies() keeps the last of two cookies of one name (a path or domain variant, one tossed from
  // a subdomain); every other integration reads the first, which browsers send for the most specific path.
  const header = headers.get("cookie");
  if (twiceIn(header, storage.cookie.name, transport.read !== undefined)) return { input: header, token: transport.token(header) };
  // After a Server Action, `cookies()` holds what it set; the Cookie header still holds what the browser sent.
  if (transport.read) {
    // Chunked cookies: the store's cookies as a Cookie header, where the storage finds its chunks (stale ones too).
    const input = cookies.getAll().map((c) => `${c.name}=${c.value}`).join("; ") || null;
    return { input, token: transport.token(input) };
  }
  const token = cookies.get(storage.cookie.name)?.value;
  return { input: token === undefined ? null : `${storage.cookie.name}=${token}`, token };
}

/**
 * Whether the `Cookie` header carries two cookies of one of the session's names:
 * `name`, or with chunks a chunk of it, never an app's own `name.prefs`.
 */
function twiceIn(header: string | null, name: string, chunked: boolean): boolean {
  const seen = new Set<string>();
  for (const pair of header?.split(";") ?? []) {
    const eq = pair.indexOf("=");
    const one = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    if (one !== name && !(chunked && isCookieOf(one, name))) continue;
    if (seen.has(one)) return true;
    seen.add(one);
  }
  return false;
}

const keepRaw = (value: string) => value;

/**
 * Puts the storage's `Set-Cookie` value into Next's cookie store, attribute by
 * attribute (Next writes it out again; a Server Action has no other way to set
 * a header). Next derives `Expires` from `Max-Age` itself, so the two may name
 * instants a second apart; every other attribute is the storage's.
 */
export function setOnCookieStore(cookies: NextCookieStore, setCookie: string): void {
  const parsed = parseSetCookie(setCookie, { decode: keepRaw });
  const value = parsed.value ?? "";
  // Next percent-encodes the value: tessera's tokens are base64url and dots, which it leaves alone.
  if (encodeURIComponent(value) !== value) throw new Error(`tessera: the cookie value of "${parsed.name}" would not survive Next's encoding`);
  cookies.set({ ...parsed, value });
}

/**
 * `header` (a request's `Cookie`) with cookie `name` set to `value`, or left
 * out when `value` is null. Other cookies keep their bytes.
 */
export function withCookie(header: string | null, name: string, value: string | null): string {
  const kept = (header ?? "")
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => {
      const eq = pair.indexOf("=");
      return pair !== "" && (eq === -1 ? pair : pair.slice(0, eq).trim()) !== name;
    });
  if (value !== null) kept.unshift(`${name}=${value}`);
  return kept.join("; ");
}

/** `header` (a request's `Cookie`) once the browser took the `Set-Cookie` line `setCookie` (an empty value expires the cookie). */
export function afterSetCookie(header: string | null, setCookie: string): string {
  return withCookie(header, setCookie.slice(0, setCookie.indexOf("=")), setCookieValue(setCookie) || null);
}

/** The value of the `Set-Cookie` line `setCookie`, "" for one that expires the cookie. */
export function setCookieValue(setCookie: string): string {
  const start = setCookie.indexOf("=") + 1;
  const end = setCookie.indexOf(";", start);
  return setCookie.slice(start, end === -1 ? undefined : end);
}
