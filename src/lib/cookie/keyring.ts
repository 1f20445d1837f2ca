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
 * Derives (once per secret, cookie and backend, then cached) the keys of one
 * secret for one cookie. The cookie name is part of the HKDF info, so the MAC
 * key itself binds the name: a value signed for one cookie fails under any
 * other, without concatenating the name into every MAC input. `scope` (a path
 * and domain other than the defaults) is bound the same way, by its digest, so
 * that a long path keeps the info within the 1,024 bytes HKDF takes.
 */
function entryFor(backend: CryptoBackend, secret: string, name: string, scope: string | undefined): Promise<KeyEntry> {
  let perBackend = cache.get(backend);
  if (!perBackend) cache.set(backend, (perBackend = new Map()));
  const id = `${name}\u0000${scope ?? ""}\u0000${secret}`;
  let entry = perBackend.get(id);
  if (!entry) {
    entry = (async () => {
      const bound = scope === undefined ? name : `${name} ${await backend.sha256(scope)}`;
      const [kid, sign, encrypt] = await Promise.all([
        backend.derive(secret, SALT, "key id", 6),
        backend.derive(secret, SALT, `hmac-sha256 ${bound}`, 32),
        backend.derive(secret, SALT, `aes-256-gcm ${bound}`, 32),
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

/** What a cookie's keys bind beside its name: its path and domain, when they are not the defaults (`/`, none). */
export function scopeOf(path: string, domain: string | undefined): string | undefined {
  return path === "/" && domain === undefined ? undefined : `Path=${path}; Domain=${domain ?? ""}`;
}

/** The keyring of `secrets` (first = current) for cookie `name` (in `scope`), with its key ids checked for clashes. */
export async function deriveKeyring(secrets: readonly string[], name: string, crypto: CryptoBackend, scope?: string): Promise<Keyring> {
  const entries = await Promise.all(secrets.map((s) => entryFor(crypto, s, name, scope)));
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
