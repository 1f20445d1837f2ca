import type { RedisClientLike, RedisDurability } from "./redis-client.js";
import type { RedisCommands } from "./redis-commands.js";
import { fieldChange, pushValues, readHash, readTaken, type HashReply } from "./redis-hash.js";
import { redisCommandsOf } from "./redis-options.js";
import { replaceSession } from "./redis-replace.js";
import { CREATE, TAKE, TOUCH, UPDATE } from "./redis-scripts.js";
import { indexScore, RedisUserIndex } from "./redis-user-index.js";
import type { SessionPatch, SessionRecord, SessionStore } from "./store.js";

export type { NodeRedisClusterLike, RedisClientLike, RedisDurability } from "./redis-client.js";

export interface RedisStoreOptions {
  /**
   * Your connected client: `createClient()` or `createCluster()` from `redis`,
   * `new Redis()` or `new Cluster()` from `ioredis`. On a Cluster every
   * command goes to the master of its key, whatever the client's replica setting.
   */
  client: RedisClientLike;
  /** Prefix of every key. Default `"tessera:"`. */
  prefix?: string | undefined;
  /** A command that takes longer fails with `SessionStoreError` (ms). Default 2000. */
  timeout?: number | undefined;
  /**
   * Replicas that must hold each write before it counts as done (`WAIT` after
   * every write); a write they do not confirm in time fails with
   * `SessionStoreError`, though the master may keep it. Default: none, so a
   * failover can lose the last writes the old master acknowledged.
   */
  durability?: RedisDurability | undefined;
}

/**
 * Sessions in Redis (6.2 or later), through your own node-redis or ioredis
 * client. Expiry is the key's TTL, set with the write and refreshed by a
 * touch; per-key changes run server-side in one Lua script (one round trip, no
 * read-modify-write from Node). A user's sessions are a sorted set per user
 * (see ./redis-user-index.ts). See ./redis-scripts.ts for the layout.
 */
export class RedisStore implements SessionStore {
  readonly #cmd: RedisCommands;
  readonly #index: RedisUserIndex;

  constructor(options: RedisStoreOptions) {
    this.#cmd = redisCommandsOf(options);
    this.#index = new RedisUserIndex(this.#cmd);
  }

  /** The raw key names (for tests and tools). */
  keysOf(key: string): { session: string } {
    return { session: this.#cmd.sessionKey(key) };
  }

  /** The raw name of a user's index (for tests and tools). */
  indexOf(userId: string): string {
    return this.#cmd.userKey(userId);
  }

  /**
   * UPDATE or TOUCH, with the owner's index written beside it when the caller
   * named the owner; false when the record was gone. When the script names
   * the owner itself, no index write went out beside it and the owner's entry
   * would end before the session, so it is written now (about once per
   * session lifetime, see `indexScore`).
   */
  async #save(script: string, sessionKey: string, args: string[], owner: string | undefined, key: string, score: string, now: number): Promise<boolean> {
    const write = this.#cmd.script(script, sessionKey, args);
    let result: unknown;
    try {
      result = owner === undefined ? await write : (await Promise.all([write, this.#index.add(owner, key, score, now)]))[0];
      if (!Array.isArray(result)) return false;
      if (result.length > 1) await this.#index.add(String(result[1]), key, score, now);
    } catch (error) {
      // The record may now claim an index entry that was never written: forget the claim, so the next save writes it.
      this.#cmd.run(["HDEL", sessionKey, "m:x"], this.#cmd.write, { late: true }).catch(() => {});
      throw error;
    }
    return true;
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const stored = readHash((await this.#cmd.run(["HGETALL", this.#cmd.sessionKey(key)])) as HashReply);
    return stored.live(now) ? stored.record() : null;
  }

  async create(key: string, record: SessionRecord): Promise<void> {
    const sessionKey = this.#cmd.sessionKey(key);
    const ttl = String(Math.max(1, Math.ceil(record.expiresAt - record.lastSeenAt)));
    const args = [ttl, "m:c", String(record.createdAt), "m:l", String(record.lastSeenAt), "m:e", String(record.expiresAt)];
    const owner = record.userId;
    const score = indexScore(record.expiresAt, record.lastSeenAt);
    if (owner !== undefined) args.push("m:u", String(owner), "m:x", score);
    if (record.maxAge !== undefined) args.push("m:a", String(record.maxAge));
    pushValues(args, record.data);
    // The data and its TTL in one script (atomic); the user index beside it, sent in the
    // same tick, so one round trip (node-redis pipelines a tick's commands; ioredis writes at once).
    if (owner === undefined) await this.#cmd.script(CREATE, sessionKey, args);
    else await Promise.all([this.#cmd.script(CREATE, sessionKey, args), this.#index.add(String(owner), key, score, record.lastSeenAt)]);
  }

  async update(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    const sessionKey = this.#cmd.sessionKey(key);
    const owner = typeof patch.userId === "string" ? patch.userId : undefined;
    const score = indexScore(patch.expiresAt, now);
    const restore: string[] = [];
    if (patch.restore) pushValues(restore, patch.restore);
    const args = [
      String(now),
      String(Math.max(1, Math.ceil(patch.expiresAt - now))),
      patch.clear ? "1" : "0",
      String(patch.lastSeenAt),
      String(patch.expiresAt),
      fieldChange(patch.userId),
      fieldChange(patch.maxAge),
      fieldChange(owner),
      score,
      String(patch.unset.length),
      String(restore.length / 2),
    ];
    for (const field of patch.unset) args.push(`d:${field}`);
    for (const value of restore) args.push(value);
    pushValues(args, patch.set);
    // A new owner's index learns of the session in the same round trip. The old owner's
    // index is not touched: a member whose session is gone or owned by someone else is
    // dropped when that index is next read or purged.
    return this.#save(UPDATE, sessionKey, args, owner, key, score, now);
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number, now: number, userId?: string): Promise<boolean> {
    const sessionKey = this.#cmd.sessionKey(key);
    const score = indexScore(expiresAt, now);
    const args = [String(now), String(Math.max(1, Math.ceil(expiresAt - now))), String(lastSeenAt), String(expiresAt), fieldChange(userId), score];
    return this.#save(TOUCH, sessionKey, args, userId, key, score, now);
  }

  /** See `replaceSession`: mark the old record, create the new one, then end the old one if still marked. */
  replace(oldKey: string, newKey: string, record: SessionRecord, now: number): Promise<boolean> {
    return replaceSession(this.#cmd, (k, r) => this.create(k, r), oldKey, newKey, record, now);
  }

  async take(key: string, fields: string[], now: number): Promise<Record<string, unknown> | null> {
    const args = [String(now)];
    for (const field of fields) args.push(`d:${field}`);
    const result = await this.#cmd.script(TAKE, this.#cmd.sessionKey(key), args);
    return Array.isArray(result) ? readTaken(result) : null;
  }

  async delete(key: string): Promise<boolean> {
    // One DEL; the owner's index drops the member when it is next read, written or purged.
    return Number(await this.#cmd.run(["DEL", this.#cmd.sessionKey(key)], this.#cmd.write, { late: true })) === 1;
  }

  listByUser(userId: string, now: number): Promise<Array<{ key: string; record: SessionRecord }>> {
    return this.#index.list(userId, now);
  }

  deleteByUser(userId: string, exceptKey: string | undefined, now: number): Promise<number> {
    return this.#index.deleteAll(userId, exceptKey, now);
  }

  /**
   * Redis expires session keys by itself; this walks every user index and
   * drops the members whose session expired or changed owner (see
   * `RedisUserIndex.purge`). Returns the number of index members dropped:
   * sessions without an owner are not indexed and never counted.
   */
  purge(now: number): Promise<number> {
    return this.#index.purge(now);
  }
}
