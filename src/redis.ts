// `tessera-session/redis`: sessions in Redis through your own node-redis or ioredis client (Node only).
import { createSessionStorage, type IdSessionStorage } from "./lib/engine/id-storage.js";
import type { SessionData } from "./lib/session/session.js";
import type { StorageOptions } from "./lib/engine/storage.js";
import { RedisStore, type RedisStoreOptions } from "./lib/stores/redis.js";

export { RedisStore, type RedisStoreOptions, type RedisClientLike, type NodeRedisClusterLike, type RedisDurability } from "./lib/stores/redis.js";

export interface RedisSessionStorageOptions extends StorageOptions, RedisStoreOptions {
  /** The session key that holds the user id, for `listSessions` / `destroyAllSessions`. */
  userKey?: string;
}

/**
 * ```ts
 * import { createClient } from "redis";
 * import { createRedisSessionStorage } from "tessera-session/redis";
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const storage = createRedisSessionStorage({ client, cookie: { secrets: [process.env.SESSION_SECRET!] } });
 * ```
 *
 * A Redis Cluster client (`createCluster()` from `redis`, `new Cluster()` from
 * `ioredis`) goes in the same place: see docs/redis-cluster.md.
 */
export function createRedisSessionStorage<Data = SessionData, FlashData = Data>(
  options: RedisSessionStorageOptions,
): IdSessionStorage<Data, FlashData> {
  return createSessionStorage<Data, FlashData>({ ...options, store: new RedisStore(options) });
}
