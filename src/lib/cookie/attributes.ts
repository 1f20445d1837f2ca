import { CookieTooLargeError, SessionConfigError } from "../errors.js";

/** The `Set-Cookie` attributes of a cookie (RFC 6265bis §4.1.2). */
export interface CookieAttributes {
  /**
   * Seconds until the browser drops the cookie (`Max-Age`), a whole number of at
   * most 400 days. Without it the cookie lasts until the browser closes.
   */
  maxAge?: number | undefined;
  /** A fixed expiry date. `maxAge` wins when both are set (RFC 6265 §5.3). */
  expires?: Date | undefined;
  /** Unset by default: host-only, the safest scope (OWASP). */
  domain?: string | undefined;
  /** Default `/`. */
  path?: string | undefined;
  /** Default true: scripts cannot read the cookie. */
  httpOnly?: boolean | undefined;
  /** Default true. Set false only for plain-http development. */
  secure?: boolean | undefined;
  /** Default `"lax"`. `"none"` requires `secure`. `true` means `"strict"`. */
  sameSite?: "lax" | "strict" | "none" | boolean | undefined;
  /** CHIPS partitioned cookie; requires `secure`. */
  partitioned?: boolean | undefined;
  /** Chrome's `Priority` attribute. */
  priority?: "low" | "medium" | "high" | undefined;
}

/** Browsers keep at most this many seconds (RFC 6265bis "Cookie Lifetime Limits"). */
const MAX_AGE_LIMIT = 400 * 24 * 60 * 60;

/** Browsers drop a cookie whose name and value exceed this (RFC 6265bis storage step 4). */
export const MAX_COOKIE_BYTES = 4096;

/**
 * The most a chunked session (the cookie storage's `maxChunks`) may add to the
 * `Cookie` header the browser sends back: all its chunks, as `name.0=…; name.1=…`.
 * Servers refuse a request whose headers are too large: nginx by default keeps
 * one header line within 8 KB (`large_client_header_buffers`), Apache within
 * 8,190 bytes, Node all the headers of a request within 16 KB. 6 KB leaves the
 * Cookie line 2 KB for the site's other cookies under the 8 KB of one line,
 * and the other headers (User-Agent, Accept, Referer) 10 KB under Node's 16.
 */
export const MAX_CHUNKED_BYTES = 6144;

export interface ResolvedAttributes {
  readonly maxAge: number | undefined;
  readonly expires: Date | undefined;
  readonly domain: string | undefined;
  readonly path: string;
  readonly httpOnly: boolean;
  readonly secure: boolean;
  readonly sameSite: "lax" | "strict" | "none";
  readonly partitioned: boolean;
  readonly priority: "low" | "medium" | "high" | undefined;
}

/**
 * Applies the defaults (HttpOnly, Secure, SameSite=Lax, Path=/) and refuses the
 * combinations browsers ignore or that weaken the cookie. Every error names the
 * option and what to do.
 */
export function resolveAttributes(name: string, options: CookieAttributes): ResolvedAttributes {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new SessionConfigError(`cookie name is invalid: ${JSON.stringify(name)}; use a token such as "__Host-session"`);
  }
  const secure = options.secure ?? true;
  const sameSite = options.sameSite === true ? "strict" : options.sameSite === false ? "lax" : (options.sameSite ?? "lax");
  if (sameSite !== "lax" && sameSite !== "strict" && sameSite !== "none") {
    throw new SessionConfigError(`option sameSite is invalid: ${String(options.sameSite)}; use "lax", "strict" or "none"`);
  }
  const path = options.path ?? "/";
  const resolved: ResolvedAttributes = {
    maxAge: checkMaxAge(options.maxAge),
    expires: checkExpires(options.expires),
    domain: options.domain,
    path,
    httpOnly: options.httpOnly ?? true,
    secure,
    sameSite,
    partitioned: options.partitioned ?? false,
    priority: options.priority,
  };
  // 6265bis storage step 19: browsers drop SameSite=None without Secure.
  if (sameSite === "none" && !secure) {
    throw new SessionConfigError('sameSite: "none" requires secure: true (browsers reject it otherwise)');
  }
  // CHIPS: a Partitioned cookie must be Secure.
  if (resolved.partitioned && !secure) {
    throw new SessionConfigError("partitioned: true requires secure: true (CHIPS)");
  }
  // 6265bis §4.1.3: the prefixes are promises the browser enforces (in any case: `__host-` too); refuse to break them.
  const prefix = name.slice(0, 9).toLowerCase();
  if (prefix.startsWith("__host-")) {
    if (!secure) throw new SessionConfigError(`cookie "${name}": the __Host- prefix requires secure: true`);
    if (resolved.domain !== undefined) throw new SessionConfigError(`cookie "${name}": the __Host- prefix forbids a domain; remove it`);
    if (path !== "/") throw new SessionConfigError(`cookie "${name}": the __Host- prefix requires path "/", got "${path}"`);
  } else if (prefix === "__secure-" && !secure) {
    throw new SessionConfigError(`cookie "${name}": the __Secure- prefix requires secure: true`);
  }
  // The grammar of domain and path (the name's is above), checked once at creation: an injected
  // `;` or CRLF throws here instead of reaching a response.
  if (resolved.domain !== undefined && (typeof resolved.domain !== "string" || !DOMAIN.test(resolved.domain))) throw invalid("domain", resolved.domain);
  if (typeof path !== "string" || !PATH.test(path)) throw invalid("path", path);
  if (resolved.priority !== undefined && !Object.hasOwn(PRIORITY, resolved.priority)) throw invalid("priority", resolved.priority);
  return resolved;
}

export function checkMaxAge(maxAge: number | undefined): number | undefined {
  if (maxAge === undefined) return undefined;
  if (typeof maxAge !== "number" || !Number.isInteger(maxAge) || maxAge < 0) {
    throw new SessionConfigError(`option maxAge is invalid: ${String(maxAge)}; use a whole number of seconds`);
  }
  if (maxAge > MAX_AGE_LIMIT) {
    throw new SessionConfigError(
      `option maxAge is ${maxAge} seconds, over the 400 days (${MAX_AGE_LIMIT}) browsers keep; maxAge is in seconds, not milliseconds`,
    );
  }
  return maxAge;
}

function checkExpires(expires: Date | undefined): Date | undefined {
  if (expires === undefined) return undefined;
  if (!(expires instanceof Date) || Number.isNaN(expires.getTime())) {
    throw new SessionConfigError(`option expires is invalid: ${String(expires)}; use a valid Date`);
  }
  return expires;
}

/**
 * cookie-name: any printable ASCII but `;` and `=` (what browsers store; RFC
 * 6265bis §5.6 step 5). Domain: dot-separated labels of letters, digits and
 * inner hyphens (RFC 1034 §3.5), one leading dot allowed. Path: printable
 * ASCII but `;` (RFC 6265 §4.1.1 path-value) and `<`, as the `cookie` package
 * has it. Neither may be empty.
 */
const NAME = /^[\x21-\x3A\x3C\x3E-\x7E]+$/;
const DOMAIN = /^\.?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const PATH = /^[\x20-\x3A\x3D-\x7E]+$/;

function invalid(option: string, value: unknown): SessionConfigError {
  return new SessionConfigError(`option ${option} is invalid: ${typeof value === "string" ? JSON.stringify(value) : String(value)}`);
}

/**
 * The fixed parts of a cookie's `Set-Cookie`, rendered once; their grammar was
 * checked in `resolveAttributes`. The order matches the `cookie` package's own
 * output (a test compares the two for every attribute).
 */
export interface RenderedAttributes {
  /** Domain and Path: between Max-Age and Expires. */
  readonly middle: string;
  /** HttpOnly, Secure, Partitioned, Priority, SameSite. */
  readonly tail: string;
}

const PRIORITY = { low: "Low", medium: "Medium", high: "High" } as const;
const SAME_SITE = { lax: "Lax", strict: "Strict", none: "None" } as const;

export function renderAttributes(attrs: ResolvedAttributes): RenderedAttributes {
  let middle = "";
  if (attrs.domain !== undefined) middle += `; Domain=${attrs.domain}`;
  middle += `; Path=${attrs.path}`;
  let tail = "";
  if (attrs.httpOnly) tail += "; HttpOnly";
  if (attrs.secure) tail += "; Secure";
  if (attrs.partitioned) tail += "; Partitioned";
  if (attrs.priority) tail += `; Priority=${PRIORITY[attrs.priority]}`;
  tail += `; SameSite=${SAME_SITE[attrs.sameSite]}`;
  return { middle, tail };
}

/**
 * A `Set-Cookie` value. `value` must be made of cookie-octets; tessera's values
 * are base64url and dots by construction. Rendering the fixed attributes once
 * instead of re-validating them per response saves about 1 us a request
 * (measured with bench/cookie.ts). Over 4096 bytes is a `CookieTooLargeError`,
 * never a cookie the browser silently drops.
 */
export function serializeSetCookie(
  name: string,
  value: string,
  attrs: ResolvedAttributes,
  rendered: RenderedAttributes,
  maxAge: number | undefined,
  now: number,
): string {
  let header = `${name}=${value}`;
  if (maxAge !== undefined) {
    // Expires names the same instant as Max-Age (RFC 6265 §5.3; docs/security.md, D6).
    header += `; Max-Age=${maxAge}${rendered.middle}; Expires=${new Date(now + maxAge * 1000).toUTCString()}`;
  } else if (attrs.expires !== undefined) {
    header += `${rendered.middle}; Expires=${attrs.expires.toUTCString()}`;
  } else {
    header += rendered.middle;
  }
  header += rendered.tail;
  if (header.length > MAX_COOKIE_BYTES) throw new CookieTooLargeError(name, header.length);
  return header;
}

/** A `Set-Cookie` that deletes the cookie: same Name/Path/Domain, empty value, Max-Age=0, Expires in 1970. */
export function serializeClearCookie(name: string, rendered: RenderedAttributes): string {
  return `${name}=; Max-Age=0${rendered.middle}; Expires=${new Date(0).toUTCString()}${rendered.tail}`;
}
