import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { keysUnder } from "./redis-clients.js";
import { LocalEndpoint } from "./model/endpoint.js";
import { runModel } from "./model/model.js";
import { remoteEndpoint } from "./model/remote.js";
import { openShared, type SharedStore } from "./model/stores.js";
import { REDIS_URL, need } from "./services.js";

const skip = await need("Redis");

for (const client of ["node-redis", "ioredis"] as const) {
  runModel(
    `redis, ${client} (two processes)`,
    async () => {
      const spec: SharedStore = { kind: "redis", url: REDIS_URL, prefix: `tessera-model:${randomBytes(6).toString("hex")}:`, client };
      const local = await openShared(spec);
      const remote = await remoteEndpoint(spec);
      return {
        endpoints: [new LocalEndpoint(local.store, local.close), remote],
        close: async () => {
          await remote.close();
          await local.close();
          const inspector = new Redis(REDIS_URL);
          const keys = await keysUnder(inspector, spec.prefix);
          if (keys.length) await inspector.del(...keys);
          inspector.disconnect();
        },
      };
    },
    { skip },
  );
}
