/** What an authentic token carries: the session id and its store key. */
export interface VerifiedToken {
  id: string;
  key: string;
}

/** Session ids are 32 base64url characters (24 bytes). */
const ID_LENGTH = 32;

/**
 * The tokens a storage has lately authenticated or issued, so that a returning
 * client's token skips the MAC check, the decoding and the hash (most of a
 * memory-store request, measured). Only authentic tokens sealed under the
 * current secret get in: a forged or altered one is never found here and always
 * takes the full constant-time check. It caches authenticity only, never
 * liveness: the store is asked about every request. Bounded, least recently
 * used out first; an entry is one string (id and key joined), about 250 bytes.
 */
export class VerifiedTokens {
  private readonly tokens = new Map<string, string>();

  constructor(private readonly max = 1000) {}

  get(token: string): VerifiedToken | undefined {
    const entry = this.tokens.get(token);
    if (entry === undefined) return undefined;
    // Most recently used goes last.
    this.tokens.delete(token);
    this.tokens.set(token, entry);
    return { id: entry.slice(0, ID_LENGTH), key: entry.slice(ID_LENGTH) };
  }

  add(token: string, verified: VerifiedToken): void {
    if (verified.id.length !== ID_LENGTH) return;
    if (this.tokens.size >= this.max && !this.tokens.has(token)) {
      this.tokens.delete(this.tokens.keys().next().value as string);
    }
    this.tokens.set(token, verified.id + verified.key);
  }
}
