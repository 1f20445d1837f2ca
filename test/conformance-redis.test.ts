import { after, before } from "node:test";
import { runConformance } from "./conformance.js";
import { connectClients, redisFactory, type Clients } from "./redis-clients.js";
import { need } from "./services.js";

const skip = await need("Redis");
let clients: Clients;
before(async () => {
  if (!skip) clients = await connectClients();
});
after(async () => clients?.close());

runConformance("redis (node-redis)", redisFactory(() => clients.nodeRedis, () => clients.ioredis), skip);
runConformance("redis (ioredis)", redisFactory(() => clients.ioredis, () => clients.ioredis), skip);
