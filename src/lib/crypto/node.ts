import type * as NodeCrypto from "node:crypto";
import type { CryptoBackend } from "./types.js";
import { isBase64UrlText } from "./base64url.js";
import { RandomPool } from "./random-pool.js";
import { builtinModule } from "../util/builtin.js";

type NodeBuffer = typeof globalThis extends { Buffer: infer B } ? B : never;

/** UTF-8 as the Web Crypto backend decodes it (web.ts): invalid bytes are no text, and a BOM is kept, so both open the same values. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });


/**
 * `node:crypto`, reached through `process.getBuiltinModule` (Node >= 20.16, Bun,
 * Deno) so that no `node:` import sits in the core. Returns undefined elsewhere.
 */
export function createNodeBackend(): CryptoBackend | undefined {
  const c = builtinModule<typeof NodeCrypto>("node:crypto");
  const Buf = (globalThis as { Buffer?: NodeBuffer }).Buffer as unknown as typeof import("node:buffer").Buffer;
  if (!c?.createHmac || !Buf) return undefined;
  const pool = new RandomPool((buf) => c.randomFillSync(buf));
  // crypto.hash (Node >= 20.12) is about 3x faster than createHash for short inputs.
  const sha256 = c.hash
    ? (s: string) => c.hash("sha256", s, "base64url")
    : (s: string) => c.createHash("sha256").update(s).digest("base64url");
  return {
    name: "node",
    async derive(secret, salt, info, length) {
      return new Uint8Array(c.hkdfSync("sha256", secret, salt, info, length));
    },
    async hmacKey(raw) {
      return c.createSecretKey(raw);
    },
    async aesKey(raw) {
      // createCipheriv is faster with raw bytes than with a KeyObject (measured).
      return Buf.from(raw);
    },
    hmac(key, data) {
      return c.createHmac("sha256", key as NodeCrypto.KeyObject).update(data).digest();
    },
    equal(a, b) {
      return a.length === b.length && c.timingSafeEqual(a, b);
    },
    hmacBase64Url(key, data) {
      return c.createHmac("sha256", key as NodeCrypto.KeyObject).update(data).digest("base64url");
    },
    encrypt(key, plaintext, aad) {
      const nonce = pool.take(12);
      const cipher = c.createCipheriv("aes-256-gcm", key as Uint8Array, nonce);
      cipher.setAAD(aad);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      return Buf.concat([nonce, head, tail, cipher.getAuthTag()]);
    },
    decrypt(key, sealed, aad) {
      if (sealed.length < 12 + 16) return null;
      try {
        const decipher = c.createDecipheriv("aes-256-gcm", key as Uint8Array, sealed.subarray(0, 12));
        decipher.setAAD(aad);
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        const head = decipher.update(sealed.subarray(12, sealed.length - 16));
        const tail = decipher.final();
        return tail.length === 0 ? head : Buf.concat([head, tail]);
      } catch {
        return null;
      }
    },
    sha256,
    random: (n) => pool.take(n),
    encodeUtf8: (s) => Buf.from(s, "utf8"),
    decodeUtf8(b) {
      try {
        return strictUtf8.decode(b);
      } catch {
        return null;
      }
    },
    // Digests are Buffers already: wrapping them again costs an allocation per request.
    toBase64Url: (b) => (b instanceof Buf ? b : Buf.from(b.buffer, b.byteOffset, b.byteLength)).toString("base64url"),
    utf8ToBase64Url: (s) => Buf.from(s, "utf8").toString("base64url"),
    base64UrlToUtf8: (s) => Buf.from(s, "base64url").toString("utf8"),
    fromBase64Url(s) {
      const rest = s.length % 4;
      if (rest === 1 || !isBase64UrlText(s)) return null;
      // Trailing bits must be zero, as in the Web path: one accepted encoding per value.
      if (rest !== 0) {
        const last = s.charCodeAt(s.length - 1);
        const v = last >= 97 ? last - 71 : last >= 65 ? last - 65 : last >= 48 ? last + 4 : last === 45 ? 62 : 63;
        if ((v & (rest === 2 ? 15 : 3)) !== 0) return null;
      }
      return Buf.from(s, "base64url");
    },
  };
}
