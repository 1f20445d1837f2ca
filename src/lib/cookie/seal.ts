import { chain, type MaybePromise } from "../util/maybe-promise.js";
import { MAX_CHUNKED_BYTES } from "./attributes.js";
import type { Keyring } from "./keyring.js";

/**
 * The value formats, versioned and carrying the key id of the secret that made them:
 *
 *   signed     S1.<kid>.<base64url(json)>.<base64url(HMAC-SHA-256)>
 *   encrypted  E1.<kid>.<base64url(nonce || AES-256-GCM(json) || tag)>
 *
 * Every part is base64url, so the value is made of RFC 6265 cookie-octets only.
 * A value issued for one cookie is rejected under any other name (RAILS
 * "purpose"): the keys are derived per cookie name (see keyring.ts), and the GCM
 * associated data also starts with `<cookie name>=`.
 */
const SIGNED = "S1";
const ENCRYPTED = "E1";

/**
 * The longest value tessera issues is a chunked session's, its chunks joined
 * (src/lib/token/chunks.ts): within the budget of its Cookie header. A longer one was not made by us.
 */
const MAX_VALUE_LENGTH = MAX_CHUNKED_BYTES;

export interface Opened {
  /** The JSON text that was sealed. */
  readonly json: string;
  /** True when the value should be sealed again: an older secret, or the other format. */
  readonly stale: boolean;
}

/** An HMAC-SHA-256 (32 bytes) as unpadded base64url. */
const MAC_TEXT_LENGTH = 43;

/**
 * Constant-time comparison of two strings of equal length: every character is
 * visited and only XOR and OR touch the data, so the time does not tell how
 * much of a forged MAC was right (cookie-signature 1.0.4; docs/security.md, G2).
 */
function equalText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function seal(json: string, name: string, keyring: Keyring, encrypt: boolean): MaybePromise<string> {
  const backend = keyring.crypto;
  const { kid } = keyring.current;
  if (encrypt) {
    const head = `${ENCRYPTED}.${kid}`;
    const sealed = backend.encrypt(keyring.current.encrypt, backend.encodeUtf8(json), backend.encodeUtf8(`${name}=${head}`));
    return chain(sealed, (bytes) => `${head}.${backend.toBase64Url(bytes)}`);
  }
  const signed = `${SIGNED}.${kid}.${backend.utf8ToBase64Url(json)}`;
  return chain(backend.hmacBase64Url(keyring.current.sign, signed), (mac) => `${signed}.${mac}`);
}

/**
 * The JSON inside `value`, or null when it was not sealed by one of `keyring`'s
 * secrets for cookie `name`. Never throws: hostile input is "no value".
 */
export function open(value: string, name: string, keyring: Keyring, encrypt: boolean): MaybePromise<Opened | null> {
  if (value.length > MAX_VALUE_LENGTH || value.length < 4 || value.charCodeAt(2) !== 46 /* . */) return null;
  const backend = keyring.crypto;
  const format = value.slice(0, 2);
  const kidEnd = value.indexOf(".", 3);
  if (kidEnd < 0) return null;
  const entry = keyring.byKid.get(value.slice(3, kidEnd));
  if (!entry) return null;
  const stale = entry !== keyring.current || (format === ENCRYPTED) !== encrypt;
  if (format === SIGNED) {
    // Exactly four parts: nothing before or after the signed portion is accepted (cookie-signature #40).
    const macStart = value.indexOf(".", kidEnd + 1);
    if (macStart < 0 || value.indexOf(".", macStart + 1) >= 0) return null;
    const mac = value.slice(macStart + 1);
    if (mac.length !== MAC_TEXT_LENGTH) return null;
    return chain(backend.hmacBase64Url(entry.sign, value.slice(0, macStart)), (expected) => {
      // Comparing the canonical base64url text is comparing the MAC: one text per 32 bytes.
      if (!equalText(expected, mac)) return null;
      // The MAC covers the encoded text, so it is exactly what we issued: decode without re-validating.
      const json = backend.base64UrlToUtf8(value.slice(kidEnd + 1, macStart));
      return json == null ? null : { json, stale };
    });
  }
  if (format === ENCRYPTED) {
    const sealed = backend.fromBase64Url(value.slice(kidEnd + 1));
    if (!sealed) return null;
    const plain = backend.decrypt(entry.encrypt, sealed, backend.encodeUtf8(`${name}=${value.slice(0, kidEnd)}`));
    return chain(plain, (bytes) => {
      const json = bytes && backend.decodeUtf8(bytes);
      return json == null ? null : { json, stale };
    });
  }
  return null;
}
