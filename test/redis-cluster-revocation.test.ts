// The revocation store contract on a real Redis Cluster: a user's key and a
// session's live in different slots, and each command goes to its own master.
import { RedisRevocationStore } from "../src/lib/stores/redis-revocation.js";
import { clearPrefix, clusterWithClients, freshPrefix, needRedisCluster, type ClusterClient } from "./redis-cluster.js";
import { runRevocationContract } from "./revocation-contract.js";

const skip = needRedisCluster();
const live = clusterWithClients(skip);

for (const [name, client] of [
  ["node-redis createCluster", () => live.nodeRedis],
  ["ioredis Cluster", () => live.ioredis],
] as Array<[string, () => ClusterClient]>) {
  runRevocationContract(
    `redis cluster (${name})`,
    async () => {
      const prefix = freshPrefix();
      const store = new RedisRevocationStore({ client: client(), prefix });
      return {
        store,
        expire: (seconds) => new Promise<void>((r) => setTimeout(r, seconds * 1000)),
        twin: () => new RedisRevocationStore({ client: client(), prefix }),
        lose: async () => (await clearPrefix(live.cluster, live.ioredis, prefix), store),
        close: () => clearPrefix(live.cluster, live.ioredis, prefix),
      };
    },
    skip,
  );
}
