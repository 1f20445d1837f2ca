import type { CryptoBackend } from "./types.js";
import { fromBase64Url, toBase64Url } from "./base64url.js";
import { RandomPool } from "./random-pool.js";

const encoder = new TextEncoder();

/** TypeScript's DOM types want ArrayBuffer-backed views; ours always are. */
const bytes = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;
// A BOM is kept, as node.ts keeps it: the two backends open the same values.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Web Crypto: Workers, Deno, Bun, browsers, and Node when forced. */
export function createWebBackend(): CryptoBackend {
  const subtle = globalThis.crypto.subtle;
  const pool = new RandomPool((buf) => globalThis.crypto.getRandomValues(buf));
  return {
    name: "web",
    async derive(secret, salt, info, length) {
      const ikm = await subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveBits"]);
      const bits = await subtle.deriveBits(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode(salt), info: encoder.encode(info) },
        ikm,
        length * 8,
      );
      return new Uint8Array(bits);
    },
    hmacKey(raw) {
      return subtle.importKey("raw", bytes(raw), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    },
    aesKey(raw) {
      return subtle.importKey("raw", bytes(raw), "AES-GCM", false, ["encrypt", "decrypt"]);
    },
    async hmac(key, data) {
      return new Uint8Array(await subtle.sign("HMAC", key as CryptoKey, encoder.encode(data)));
    },
    async hmacBase64Url(key, data) {
      return toBase64Url(new Uint8Array(await subtle.sign("HMAC", key as CryptoKey, encoder.encode(data))));
    },
    equal(a, b) {
      // Constant-time: the loop always runs over the whole length and only ORs.
      if (a.length !== b.length) return false;
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
      return diff === 0;
    },
    async encrypt(key, plaintext, aad) {
      const nonce = pool.take(12);
      const ct = new Uint8Array(
        await subtle.encrypt({ name: "AES-GCM", iv: bytes(nonce), additionalData: bytes(aad) }, key as CryptoKey, bytes(plaintext)),
      );
      const out = new Uint8Array(12 + ct.length);
      out.set(nonce, 0);
      out.set(ct, 12);
      return out;
    },
    async decrypt(key, sealed, aad) {
      if (sealed.length < 12 + 16) return null;
      try {
        const pt = await subtle.decrypt(
          { name: "AES-GCM", iv: bytes(sealed.subarray(0, 12)), additionalData: bytes(aad) },
          key as CryptoKey,
          bytes(sealed.subarray(12)),
        );
        return new Uint8Array(pt);
      } catch {
        return null;
      }
    },
    async sha256(data) {
      return toBase64Url(new Uint8Array(await subtle.digest("SHA-256", encoder.encode(data))));
    },
    random: (n) => pool.take(n),
    encodeUtf8: (s) => encoder.encode(s),
    decodeUtf8(b) {
      try {
        return decoder.decode(b);
      } catch {
        return null;
      }
    },
    toBase64Url,
    fromBase64Url,
    utf8ToBase64Url: (s) => toBase64Url(encoder.encode(s)),
    base64UrlToUtf8(s) {
      const b = fromBase64Url(s);
      return b && this.decodeUtf8(b);
    },
  };
}
