import { storageOver, type IdSessionStorage, type IdStorageOptions } from "../engine/id-storage.js";
import type { SessionData } from "../session/session.js";
import { RedisStore, type RedisStoreOptions } from "../stores/redis.js";

export interface RedisSessionStorageOptions<Data = SessionData> extends IdStorageOptions<Data>, RedisStoreOptions {}

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
  options: RedisSessionStorageOptions<Data>,
): IdSessionStorage<Data, FlashData, RedisStore> {
  return storageOver<Data, FlashData, RedisStore>(new RedisStore(options), options);
}
