import type { RevocationStore } from "./revocation-store.js";

interface Entry {
  generation: number;
  /** Milliseconds since the epoch, or Infinity. */
  expiresAt: number;
}

/**
 * Revocations in this process's memory: for one process, or for tests. A fleet
 * of processes shares one `RedisRevocationStore` or `PostgresRevocationStore`.
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #entries = new Map<string, Entry>();
  /** Raises since the last sweep: every 1,000th forgets the entries whose time ran out. */
  #raises = 0;
  readonly #now: () => number;
  /** The data lives as long as this object: a new store is a new incarnation. */
  readonly #incarnation = crypto.randomUUID();

  constructor(options: { now?: (() => number) | undefined } = {}) {
    this.#now = options.now ?? Date.now;
  }

  incarnation(): string {
    return this.#incarnation;
  }

  generations(keys: readonly string[]): number[] {
    const now = this.#now();
    return keys.map((key) => {
      const entry = this.#entries.get(key);
      return entry && entry.expiresAt > now ? entry.generation : 0;
    });
  }

  raise(key: string, ttl: number | undefined): number {
    const now = this.#now();
    const entry = this.#entries.get(key);
    const generation = (entry && entry.expiresAt > now ? entry.generation : 0) + 1;
    const expiresAt = ttl === undefined ? Infinity : Math.max(now + ttl * 1000, entry?.expiresAt ?? 0);
    this.#entries.set(key, { generation, expiresAt });
    if (++this.#raises >= 1000) this.purge();
    return generation;
  }

  /** Forgets the entries whose time ran out (every 1,000th raise does too); returns how many. */
  purge(): number {
    this.#raises = 0;
    const now = this.#now();
    let purged = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(key);
        purged++;
      }
    }
    return purged;
  }
}
