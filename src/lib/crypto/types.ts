import type { MaybePromise } from "../util/maybe-promise.js";

/** Which implementation computes the primitives: `node:crypto`, or Web Crypto. */
export type CryptoKind = "node" | "web";

/** An opaque key for one purpose (HMAC-SHA-256 or AES-256-GCM), owned by the backend that made it. */
export type Key = unknown;

/**
 * The few primitives tessera needs. Two implementations produce identical bytes,
 * so a cookie sealed on Node opens on an edge runtime with the same secret.
 * Node computes synchronously, Web Crypto asynchronously.
 */
export interface CryptoBackend {
  readonly name: CryptoKind;
  /** HKDF-SHA-256 (RFC 5869) of `secret`, for one purpose. */
  derive(secret: string, salt: string, info: string, length: number): Promise<Uint8Array>;
  hmacKey(raw: Uint8Array): Promise<Key>;
  aesKey(raw: Uint8Array): Promise<Key>;
  /** HMAC-SHA-256 of the UTF-8 bytes of `data`. */
  hmac(key: Key, data: string): MaybePromise<Uint8Array>;
  /** The same HMAC, as base64url text (Node encodes it without an intermediate Buffer). */
  hmacBase64Url(key: Key, data: string): MaybePromise<string>;
  /** Compares two MACs in time that does not depend on where they differ. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
  /** AES-256-GCM: returns nonce (12) || ciphertext || tag (16). */
  encrypt(key: Key, plaintext: Uint8Array, aad: Uint8Array): MaybePromise<Uint8Array>;
  /** The plaintext, or null when the tag does not verify. */
  decrypt(key: Key, sealed: Uint8Array, aad: Uint8Array): MaybePromise<Uint8Array | null>;
  /** SHA-256 of the UTF-8 bytes of `data`, base64url. */
  sha256(data: string): MaybePromise<string>;
  /** `n` bytes from the platform CSPRNG. */
  random(n: number): Uint8Array;
  encodeUtf8(s: string): Uint8Array;
  decodeUtf8(b: Uint8Array): string | null;
  toBase64Url(b: Uint8Array): string;
  /** base64url of the UTF-8 bytes of `s`. */
  utf8ToBase64Url(s: string): string;
  /** Null for anything that is not canonical unpadded base64url. */
  fromBase64Url(s: string): Uint8Array | null;
  /** Decodes base64url text this process produced and authenticated: no validation. */
  base64UrlToUtf8(s: string): string | null;
}
