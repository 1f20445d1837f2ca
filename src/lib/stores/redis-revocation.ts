import { createHash, randomBytes } from "node:crypto";
import { SessionStoreError } from "../errors.js";
import type { RedisClientLike, RedisDurability } from "./redis-client.js";
import type { RedisCommands } from "./redis-commands.js";
import { redisCommandsOf } from "./redis-options.js";
import type { RevocationStore } from "./revocation-store.js";

export interface RedisRevocationStoreOptions {
  /** Your connected node-redis or ioredis client (a Cluster too): the one your session store uses will do. */
  client: RedisClientLike;
  /** Prefix of every key. Default `"tessera:"`: the keys are `<prefix>r:<hash>`. */
  prefix?: string | undefined;
  /** A command that takes longer fails with `SessionStoreError` (ms). Default 2000. */
  timeout?: number | undefined;
  /**
   * Replicas that must hold each revocation before it counts as done (`WAIT`).
   * Without it a failover can lose the last revocation, and the sessions it
   * ended come back (a lost user key ends all that user's sessions instead).
   */
  durability?: RedisDurability | undefined;
}

/**
 * Raises a key's generation (`INCR`); with a time to keep it, the key's TTL
 * becomes at least that (never shorter: two revocations of one session keep
 * the longer). Without one the key is kept for good.
 */
const RAISE = `local g = redis.call('INCR', KEYS[1])
if ARGV[1] ~= '' then
  local left = redis.call('TTL', KEYS[1])
  if left < tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
end
return g`;

/** The incarnation key's value, made by the first process that asks. */
const INCARNATION = `local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`;

/**
 * Revocations of cookie sessions in Redis: one small key per user who was
 * ever logged out everywhere (kept for good), and one per revoked session
 * (kept until it would have expired). Each command names one key, so it runs
 * on a Cluster as it does on one server.
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #cmd: RedisCommands;

  constructor(options: RedisRevocationStoreOptions) {
    this.#cmd = redisCommandsOf(options);
  }

  /** The raw key name of a revocation key (for tests and tools). */
  keyOf(key: string): string {
    return `${this.#cmd.prefix}r:${createHash("sha256").update(key).digest("base64url")}`;
  }

  async generations(keys: readonly string[]): Promise<number[]> {
    // One GET per key, side by side: a user's key and a session's live in different slots of a Cluster.
    const replies = await Promise.all(keys.map((key) => this.#cmd.run(["GET", this.keyOf(key)])));
    return replies.map((reply) => (reply === null || reply === undefined ? 0 : whole(reply)));
  }

  async raise(key: string, ttl: number | undefined): Promise<number> {
    return whole(await this.#cmd.run(["EVAL", RAISE, "1", this.keyOf(key), ttl === undefined ? "" : String(ttl)], this.#cmd.write, { late: true }));
  }

  /** `<prefix>r:incarnation`, kept for good: gone only with the rest of the data. */
  async incarnation(): Promise<string> {
    const reply = await this.#cmd.run(["EVAL", INCARNATION, "1", `${this.#cmd.prefix}r:incarnation`, randomBytes(12).toString("base64url")], this.#cmd.write);
    return String(reply);
  }
}

function whole(reply: unknown): number {
  const n = Number(typeof reply === "object" && reply !== null ? String(reply) : reply);
  if (!Number.isSafeInteger(n) || n < 0) throw new SessionStoreError("redis revocation store: a key holds something other than a generation");
  return n;
}
