import type { MaybePromise } from "../util/maybe-promise.js";

/**
 * Where revocations of cookie sessions live: a generation number per key, in
 * any small key-value store (`MemoryRevocationStore`, `RedisRevocationStore`,
 * `PostgresRevocationStore`, or your own). tessera asks for two kinds of key:
 * `u:<user id>`, raised by `destroyAllSessions`, never expiring; and
 * `s:<session's revocation id>`, raised by `destroySession`, kept until that
 * session would have expired anyway.
 */
export interface RevocationStore {
  /** The generation of each key, in order: 0 for a key never raised, or whose time ran out. */
  generations(keys: readonly string[]): MaybePromise<readonly number[]>;
  /**
   * Raises the generation of `key` by one and returns the new one. `ttl`: the
   * key must be kept at least this many seconds; undefined keeps it for good.
   */
  raise(key: string, ttl: number | undefined): MaybePromise<number>;
}
