/**
 * The tokens a storage has lately issued or authenticated, each with what it
 * was found to carry, so that a returning client's token skips the MAC check
 * and the decoding (and the decryption, or the hash of an id): most of the
 * cost of a request's session, measured. Only authentic tokens sealed under the
 * current secret get in: a forged or altered one is never found here and always
 * takes the full constant-time check. It remembers authenticity only, never
 * liveness or expiry: those are checked on every request.
 *
 * Bounded: at most `max` tokens of at most `maxLength` characters. Two
 * generations stand in for least-recently-used order: a token found in the
 * older one moves to the newer, and when the newer is full the older is
 * dropped whole. Every operation is O(1); a Map used as an LRU list slows down
 * as deletions pile up at its front (measured: a fifth of a cookie session's
 * cost when every request issues a new value).
 *
 * Admission follows use: while fewer than one lookup in eight finds its token
 * (many users, each back long after the cache forgot them), only one new
 * token in sixteen is remembered, since copying and inserting every issued
 * token costs more than the rare hit saves (measured with bench/cookie.ts).
 * A server with returning clients finds them and goes back to remembering all.
 */
export class VerifiedTokens<V> {
  private recent = new Map<string, V>();
  private older = new Map<string, V>();
  private readonly half: number;
  private lookups = 0;
  private hits = 0;
  /** Tokens turned away since the last one admitted while admitting few (0-15). */
  private skipped = 0;

  constructor(
    max = 1000,
    private readonly maxLength = 1024,
  ) {
    this.half = Math.max(1, max >> 1);
  }

  get(token: string): V | undefined {
    // Counts decay by half every 4,096 lookups, so admission follows the traffic of late.
    if (++this.lookups === 4096) {
      this.lookups = 2048;
      this.hits >>= 1;
    }
    const entry = this.recent.get(token);
    if (entry !== undefined) {
      this.hits++;
      return entry;
    }
    const old = this.older.get(token);
    if (old !== undefined) {
      this.hits++;
      this.older.delete(token);
      // `token` is the caller's (often a slice of a request header): keep a copy of our own.
      this.put(ownCopy(token), old);
    }
    return old;
  }

  add(token: string, value: V): void {
    if (token.length > this.maxLength) return;
    if (this.lookups >= 256 && this.hits * 8 < this.lookups) {
      const admit = this.skipped === 0;
      this.skipped = (this.skipped + 1) & 15;
      if (!admit) return;
    }
    this.put(ownCopy(token), value);
  }

  private put(token: string, value: V): void {
    if (this.recent.size >= this.half && !this.recent.has(token)) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.recent.set(token, value);
  }
}

/**
 * `s` in a string of its own. A token cut from a request's header is a slice
 * that keeps the whole header alive (up to 16 KB in V8); flattening a
 * concatenation makes a fresh copy of just the token.
 */
function ownCopy(s: string): string {
  return ` ${s}`.slice(1);
}
