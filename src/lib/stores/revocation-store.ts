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
  /**
   * A token (1 to 64 characters of `A-Z a-z 0-9 _ -`) that names the store's
   * data: the same to every process for as long as the store keeps its keys,
   * a new one once it lost them (a Redis restarted without persistence, a
   * memory store of a restarted process). Made on the first call. Cookies are
   * stamped with it, so a store that lost its revocations refuses every cookie
   * stamped before instead of letting revoked ones back in. Optional: without
   * it a lost store forgets its revocations (README, "Keep the store's data").
   */
  incarnation?(): MaybePromise<string>;
}
