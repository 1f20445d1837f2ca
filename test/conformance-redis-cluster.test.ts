import { runConformance } from "./conformance.js";
import { clusterFactory, clusterWithClients, needRedisCluster } from "./redis-cluster.js";

const skip = needRedisCluster();
const live = clusterWithClients(skip);

runConformance("redis cluster (node-redis createCluster)", clusterFactory(() => live.cluster, () => live.nodeRedis, () => live.ioredis), skip);
runConformance("redis cluster (ioredis Cluster)", clusterFactory(() => live.cluster, () => live.ioredis, () => live.ioredis), skip);
