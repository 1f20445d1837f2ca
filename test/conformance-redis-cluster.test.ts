import { after, before } from "node:test";
import type { Cluster } from "ioredis";
import { runConformance } from "./conformance.js";
import { RedisCluster, clusterFactory, ioredisCluster, needRedisCluster, nodeRedisCluster } from "./redis-cluster.js";

const skip = needRedisCluster();
let cluster: RedisCluster;
let ioredis: Cluster;
let nodeRedis: Awaited<ReturnType<typeof nodeRedisCluster>>;
before(async () => {
  if (skip) return;
  cluster = await RedisCluster.start();
  [ioredis, nodeRedis] = await Promise.all([ioredisCluster(cluster), nodeRedisCluster(cluster)]);
});
after(async () => {
  ioredis?.disconnect();
  await nodeRedis?.close().catch(() => {});
  await cluster?.close();
});

runConformance("redis cluster (node-redis createCluster)", clusterFactory(() => cluster, () => nodeRedis, () => ioredis), skip);
runConformance("redis cluster (ioredis Cluster)", clusterFactory(() => cluster, () => ioredis, () => ioredis), skip);
