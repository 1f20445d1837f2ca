import { SessionConfigError } from "../errors.js";
import { cryptoFor } from "../crypto/backend.js";
import type { CryptoBackend, CryptoKind } from "../crypto/types.js";
import type { MaybePromise } from "../util/maybe-promise.js";
import {
  checkMaxAge,
  renderAttributes,
  resolveAttributes,
  serializeClearCookie,
  serializeSetCookie,
  type CookieAttributes,
  type RenderedAttributes,
  type ResolvedAttributes,
} from "./attributes.js";
import { cookieHeaderOf, readCookieValue, type CookieInput } from "./header.js";
import { deriveKeyring, scopeOf, type Keyring } from "./keyring.js";
import { open, seal, type Opened } from "./seal.js";
import { secretsOrEphemeral } from "./secrets.js";

export interface CookieOptions extends CookieAttributes {
  /**
   * Secrets, newest first: the first signs (or encrypts), every one verifies
   * (or decrypts). Each at least 32 bytes. Without secrets the cookie is plain.
   */
  secrets?: ReadonlyArray<string | undefined> | undefined;
  /** Encrypt with AES-256-GCM instead of only signing. Needs `secrets`. */
  encrypt?: boolean | undefined;
  /**
   * Which implementation computes HMAC, AES-256-GCM and SHA-256: `"node"`
   * (`node:crypto`) or `"web"` (Web Crypto). Both produce identical bytes, so
   * the choice never changes a cookie. Default: `node:crypto` on runtimes that
   * have it, Web Crypto elsewhere. For tests: both kinds, or a `CryptoBackend`
   * of the test's own (one that counts calls, say).
   */
  crypto?: CryptoKind | CryptoBackend | undefined;
}

/** Overrides for one `serialize` call. */
export type SerializeOptions = Pick<CookieAttributes, "maxAge">;

/**
 * A named cookie: parse it from a request, serialize a `Set-Cookie` for it,
 * clear it. Values are JSON, sealed (signed or encrypted) when secrets are set.
 */
export interface Cookie {
  readonly name: string;
  /** True when values are signed or encrypted. */
  readonly isSigned: boolean;
  readonly isEncrypted: boolean;
  readonly attributes: ResolvedAttributes;
  /** The value of this cookie in `input`, or null when absent, tampered, or not JSON. */
  parse(input: CookieInput): Promise<unknown>;
  /** A `Set-Cookie` value carrying `value`. Throws `CookieTooLargeError` over 4096 bytes. */
  serialize(value: unknown, options?: SerializeOptions): Promise<string>;
  /** A `Set-Cookie` value that deletes this cookie (same Name/Path/Domain). */
  clear(): string;
}

/**
 * Creates a cookie. Options are checked here, once: a bad combination is a
 * `SessionConfigError` before any request is served.
 *
 * ```ts
 * const theme = createCookie("theme", { secrets: [process.env.COOKIE_SECRET!] });
 * const value = await theme.parse(request);             // "dark", or null
 * headers.append("Set-Cookie", await theme.serialize("dark", { maxAge: 31536000 }));
 * ```
 */
export function createCookie(name: string, options: CookieOptions = {}): Cookie {
  const given = options.secrets;
  // `secrets: [process.env.COOKIE_SECRET]` with the variable unset works as it does for a
  // storage: the development secret, or an error in production. No secrets (or none listed) is a plain cookie.
  const plain = given === undefined || (Array.isArray(given) && given.length === 0);
  const owner = { option: "secrets", prefix: `cookie ${JSON.stringify(name)}: `, variable: "its variable", values: "values" };
  return new SealedCookie(name, options, plain ? [] : secretsOrEphemeral(given, cryptoFor(options.crypto), console.warn, owner));
}

/**
 * @internal Secrets that arrive after the storage was made (a Workers `env`
 * seen at the first request, a KMS): asked for once, when the first value is
 * sealed or opened, then kept.
 */
type LateSecrets = () => Promise<readonly string[]>;

/** @internal The cookie implementation, shared with the session storages. */
export class SealedCookie implements Cookie {
  readonly attributes: ResolvedAttributes;
  readonly isEncrypted: boolean;
  /** `options.crypto`, resolved once: seals and opens this cookie's values (and a storage's ids and hashes). */
  readonly crypto: CryptoBackend;
  /** The attributes as `Set-Cookie` text, rendered once (a chunked session's clear lines use them too). */
  readonly rendered: RenderedAttributes;
  private keyring: Keyring | undefined;
  private keyringPromise: Promise<Keyring> | undefined;
  /**
   * The path and domain, when they are not the defaults: the keys bind them
   * beside the name. Two cookies of one name and secret, a site's and an
   * `/admin` area's, then never open each other's values, although the browser
   * sends both to `/admin`.
   */
  private readonly scope: string | undefined;

  constructor(
    readonly name: string,
    options: CookieOptions,
    private readonly secrets: readonly string[] | LateSecrets,
    private readonly now: () => number = Date.now,
  ) {
    this.crypto = cryptoFor(options.crypto);
    this.attributes = resolveAttributes(name, options);
    this.rendered = renderAttributes(this.attributes);
    this.scope = scopeOf(this.attributes.path, this.attributes.domain);
    this.isEncrypted = options.encrypt ?? false;
    if (this.isEncrypted && !this.isSigned) {
      throw new SessionConfigError(`cookie "${name}": encrypt: true needs secrets`);
    }
  }

  get isSigned(): boolean {
    return typeof this.secrets === "function" || this.secrets.length > 0;
  }

  private getKeyring(): Promise<Keyring> {
    const secrets = this.secrets;
    const derive = (list: readonly string[]) => deriveKeyring(list, this.name, this.crypto, this.scope);
    // A failed late lookup (a KMS that is down) is not kept: the next request asks again.
    return (this.keyringPromise ??= (typeof secrets === "function" ? secrets().then(derive) : derive(secrets)).then(
      (k) => (this.keyring = k),
      (error: unknown) => {
        this.keyringPromise = undefined;
        throw error;
      },
    ));
  }

  /** The JSON text inside a raw cookie value, or null when it is not ours. */
  openValue(raw: string | undefined): MaybePromise<Opened | null> {
    if (raw === undefined || raw === "") return null;
    if (!this.isSigned) {
      const bytes = this.crypto.fromBase64Url(raw);
      const json = bytes && this.crypto.decodeUtf8(bytes);
      return json == null ? null : { json, stale: false };
    }
    const keyring = this.keyring;
    if (keyring) return open(raw, this.name, keyring, this.isEncrypted);
    return this.getKeyring().then((k) => open(raw, this.name, k, this.isEncrypted));
  }

  /** A raw cookie value carrying `json`. */
  sealValue(json: string): MaybePromise<string> {
    if (!this.isSigned) return this.crypto.utf8ToBase64Url(json);
    const keyring = this.keyring;
    if (keyring) return seal(json, this.name, keyring, this.isEncrypted);
    return this.getKeyring().then((k) => seal(json, this.name, k, this.isEncrypted));
  }

  /** A `Set-Cookie` for an already-sealed value. */
  setCookie(value: string, maxAge: number | undefined = this.attributes.maxAge): string {
    return serializeSetCookie(this.name, value, this.attributes, this.rendered, maxAge, this.now());
  }

  async parse(input: CookieInput): Promise<unknown> {
    const opened = await this.openValue(readCookieValue(cookieHeaderOf(input), this.name));
    if (!opened) return null;
    try {
      return JSON.parse(opened.json);
    } catch {
      return null;
    }
  }

  async serialize(value: unknown, options: SerializeOptions = {}): Promise<string> {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`cookie "${this.name}": value ${String(value)} is not JSON data`);
    return this.setCookie(await this.sealValue(json), checkMaxAge(options.maxAge) ?? this.attributes.maxAge);
  }

  clear(): string {
    return serializeClearCookie(this.name, this.rendered);
  }
}
