// `tessera-session/redis`: sessions in Redis through your own node-redis or ioredis client (Node only).
export { createRedisSessionStorage, type RedisSessionStorageOptions } from "./lib/storages/redis.js";
export { RedisStore, type RedisStoreOptions, type RedisClientLike, type NodeRedisClusterLike, type RedisDurability } from "./lib/stores/redis.js";
export { RedisRevocationStore, type RedisRevocationStoreOptions } from "./lib/stores/redis-revocation.js";
