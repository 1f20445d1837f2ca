import { parseCookie, stringifySetCookie, type ParseOptions, type SerializeOptions as CookieSerializeOptions } from "cookie";
import { cryptoFor } from "../../lib/crypto/backend.js";
import { secretsOrEphemeral } from "../../lib/cookie/secrets.js";
import { SessionConfigError } from "../../lib/errors.js";
import type { Key } from "../../lib/crypto/types.js";
import { warnIfFixedExpiry } from "./warnings.js";

/**
 * react-router's cookie, byte for byte: the value is standard base64 of the
 * UTF-8 JSON, signed as `<value>.<base64 HMAC-SHA-256 without padding>` with
 * the secret's own bytes as key, and the `cookie` package encodes it for the
 * header (so `+ / =` travel as `%2B %2F %3D`). Cookies written by react-router
 * or @remix-run/node are read here, and the reverse.
 */
export interface CookieOptions extends ParseOptions, CookieSerializeOptions {
  /**
   * Secrets, newest first: the first signs, all verify. An `undefined` entry
   * (a variable that is not set) is left out; with only such entries a
   * development process signs with a random secret of its own, and production
   * is a `SessionConfigError`.
   */
  secrets?: ReadonlyArray<string | undefined>;
}

export interface CookieParseOptions extends ParseOptions {}
export interface CookieSerializeOptionsRR extends CookieSerializeOptions {}

export interface Cookie {
  readonly name: string;
  readonly isSigned: boolean;
  /** When the cookie expires if serialized now (from maxAge or expires). */
  readonly expires?: Date;
  parse(cookieHeader: string | null, options?: CookieParseOptions): Promise<any>;
  serialize(value: any, options?: CookieSerializeOptionsRR): Promise<string>;
}

const keys = new Map<string, Promise<Key>>();
const keyOf = (secret: string) => {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = Promise.resolve(cryptoFor().hmacKey(new TextEncoder().encode(secret)))));
  return key;
};

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin);
}

async function sign(value: string, secret: string): Promise<string> {
  const mac = await cryptoFor().hmac(await keyOf(secret), value);
  return `${value}.${toBase64(mac).replace(/=+$/, "")}`;
}

/** The signed part, or false. The whole MAC is compared in constant time. */
async function unsign(cookie: string, secret: string): Promise<string | false> {
  const dot = cookie.lastIndexOf(".");
  const value = cookie.slice(0, dot);
  let given: Uint8Array;
  try {
    given = Uint8Array.from(atob(cookie.slice(dot + 1)), (c) => c.charCodeAt(0));
  } catch {
    return false;
  }
  const backend = cryptoFor();
  const expected = await backend.hmac(await keyOf(secret), value);
  return backend.equal(expected, given) ? value : false;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Standard base64 of the UTF-8 JSON (what react-router's escape/unescape dance
 * produces). A value JSON leaves out (undefined, a function) is the text
 * "undefined" there, as `encodeURIComponent(undefined)` spells it: it reads back as `{}`.
 */
function encodeData(value: unknown): string {
  return toBase64(new TextEncoder().encode(String(JSON.stringify(value))));
}

/** The JSON in `value`; `{}` for anything undecodable, as react-router answers. */
function decodeData(value: string): unknown {
  try {
    return JSON.parse(utf8.decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

export function createCookie(name: string, cookieOptions: CookieOptions = {}): Cookie {
  const { secrets: given = [], ...options } = { path: "/", sameSite: "lax" as const, ...cookieOptions };
  const secrets = secretsOf(name, given);
  warnIfFixedExpiry(name, options.expires);
  return {
    get name() {
      return name;
    },
    get isSigned() {
      return secrets.length > 0;
    },
    get expires() {
      return typeof options.maxAge !== "undefined" ? new Date(Date.now() + options.maxAge * 1000) : options.expires;
    },
    async parse(cookieHeader, parseOptions) {
      if (!cookieHeader) return null;
      const cookies = parseCookie(cookieHeader, { ...options, ...parseOptions });
      if (!(name in cookies)) return null;
      const value = cookies[name];
      if (typeof value !== "string" || value === "") return "";
      if (secrets.length === 0) return decodeData(value);
      for (const secret of secrets) {
        const unsigned = await unsign(value, secret);
        if (unsigned !== false) return decodeData(unsigned);
      }
      return null;
    },
    async serialize(value, serializeOptions) {
      let encoded = value === "" ? "" : encodeData(value);
      if (encoded !== "" && secrets.length > 0) encoded = await sign(encoded, secrets[0]!);
      return stringifySetCookie(name, encoded, { ...options, ...serializeOptions });
    },
  };
}

/**
 * The secrets a cookie signs with. An empty or null one would be an empty HMAC
 * key, which anyone can reproduce: refused (react-router accepts it, then every
 * use that reaches it fails, since Web Crypto refuses the key). An undefined
 * one (an unset variable) is left out, as tessera's own storages do, and a list
 * of nothing else gets the development secret, or an error in production: it
 * never turns into an unsigned cookie. Lengths are not checked: react-router
 * signs with any secret, and so does this layer.
 */
function secretsOf(name: string, given: ReadonlyArray<string | undefined>): string[] {
  const bad = given.findIndex((secret) => secret === null || secret === "");
  if (bad !== -1) throw new SessionConfigError(`cookie "${name}": secrets[${bad}] is ${given[bad] === "" ? "empty" : "null"}; every secret must be a real key`);
  const secrets = given.filter((secret): secret is string => secret !== undefined);
  if (secrets.length > 0 || given.length === 0) return secrets;
  return secretsOrEphemeral(given, cryptoFor(), console.warn, { option: "secrets", prefix: `cookie ${JSON.stringify(name)}: `, variable: "its variable", values: "sessions" });
}

export function isCookie(object: unknown): object is Cookie {
  const o = object as Cookie | null | undefined;
  return o != null && typeof o.name === "string" && typeof o.isSigned === "boolean" && typeof o.parse === "function" && typeof o.serialize === "function";
}
