import { SessionConfigError } from "../errors.js";
import type { CryptoBackend, Key } from "../crypto/types.js";

/** The keys one secret yields. `kid` names the secret inside every value it seals. */
interface KeyEntry {
  readonly kid: string;
  readonly sign: Key;
  readonly encrypt: Key;
}

export interface Keyring {
  /** The backend that made these keys: they work with it only. */
  readonly crypto: CryptoBackend;
  /** Signs and encrypts. */
  readonly current: KeyEntry;
  /** Every secret, current included, by key id: one lookup, never N tries. */
  readonly byKid: ReadonlyMap<string, KeyEntry>;
}

// Domain separation: one secret, independent keys per purpose (RFC 5869 §3.2).
const SALT = "tessera/v1";

const cache = new WeakMap<CryptoBackend, Map<string, Promise<KeyEntry>>>();

/**
 * Derives (once per secret, cookie name and backend, then cached) the keys of
 * one secret for one cookie. The cookie name is part of the HKDF info, so the
 * MAC key itself binds the name: a value signed for one cookie fails under any
 * other, without concatenating the name into every MAC input.
 */
function entryFor(backend: CryptoBackend, secret: string, name: string): Promise<KeyEntry> {
  let perBackend = cache.get(backend);
  if (!perBackend) cache.set(backend, (perBackend = new Map()));
  const id = `${name}\u0000${secret}`;
  let entry = perBackend.get(id);
  if (!entry) {
    entry = (async () => {
      const [kid, sign, encrypt] = await Promise.all([
        backend.derive(secret, SALT, "key id", 6),
        backend.derive(secret, SALT, `hmac-sha256 ${name}`, 32),
        backend.derive(secret, SALT, `aes-256-gcm ${name}`, 32),
      ]);
      return {
        kid: backend.toBase64Url(kid),
        sign: await backend.hmacKey(sign),
        encrypt: await backend.aesKey(encrypt),
      };
    })();
    perBackend.set(id, entry);
  }
  return entry;
}

/** The keyring of `secrets` (first = current) for cookie `name`, with its key ids checked for clashes. */
export async function deriveKeyring(secrets: readonly string[], name: string, crypto: CryptoBackend): Promise<Keyring> {
  const entries = await Promise.all(secrets.map((s) => entryFor(crypto, s, name)));
  const byKid = new Map<string, KeyEntry>();
  for (const entry of entries) {
    const seen = byKid.get(entry.kid);
    if (seen && seen !== entry) {
      throw new SessionConfigError("two secrets share a key id (astronomically unlikely): replace one of them");
    }
    byKid.set(entry.kid, entry);
  }
  return { crypto, current: entries[0]!, byKid };
}
