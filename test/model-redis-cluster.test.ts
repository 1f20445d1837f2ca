// The model-based tests on a real Redis Cluster, two processes, both clients.
import { after, before } from "node:test";
import type { Cluster } from "ioredis";
import { runModel } from "./model/model.js";
import { twoProcesses } from "./model/stores.js";
import { RedisCluster, clearPrefix, freshPrefix, ioredisCluster, needRedisCluster } from "./redis-cluster.js";

const skip = needRedisCluster();
let cluster: RedisCluster;
let inspector: Cluster;
before(async () => {
  if (skip) return;
  cluster = await RedisCluster.start();
  inspector = await ioredisCluster(cluster);
});
after(async () => {
  inspector?.disconnect();
  await cluster?.close();
});

for (const client of ["node-redis", "ioredis"] as const) {
  runModel(
    `redis cluster, ${client} (two processes)`,
    async () => {
      const prefix = freshPrefix("tessera-model");
      return twoProcesses({ kind: "redis-cluster", seeds: cluster.seeds, prefix, client }, () => clearPrefix(cluster, inspector, prefix));
    },
    { skip },
  );
}
