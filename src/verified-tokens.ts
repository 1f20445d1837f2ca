/** What an authentic token carries: the session id, its store key, and whether an older secret sealed it. */
export interface VerifiedToken {
  id: string;
  key: string;
  stale: boolean;
}

/**
 * The tokens a storage has already authenticated or issued, so that a
 * returning client's token skips the MAC check, the decoding and the hash
 * (about a third of a memory-store request, measured). Only authentic tokens
 * get in: a forged or altered one is never found here and always takes the
 * full check. It caches authenticity only, never liveness: the store is asked
 * about every request. Bounded; the oldest entry leaves first.
 */
export class VerifiedTokens {
  private readonly tokens = new Map<string, VerifiedToken>();

  constructor(private readonly max = 10_000) {}

  get(token: string): VerifiedToken | undefined {
    return this.tokens.get(token);
  }

  add(token: string, verified: VerifiedToken): void {
    if (this.tokens.size >= this.max && !this.tokens.has(token)) {
      this.tokens.delete(this.tokens.keys().next().value as string);
    }
    this.tokens.set(token, verified);
  }
}
