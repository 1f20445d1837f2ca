import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { keysUnder } from "./redis-clients.js";
import { runModel } from "./model/model.js";
import { twoProcesses } from "./model/stores.js";
import { REDIS_URL, need } from "./services.js";

const skip = await need("Redis");

for (const client of ["node-redis", "ioredis"] as const) {
  runModel(
    `redis, ${client} (two processes)`,
    async () => {
      const prefix = `tessera-model:${randomBytes(6).toString("hex")}:`;
      return twoProcesses({ kind: "redis", url: REDIS_URL, prefix, client }, async () => {
        const inspector = new Redis(REDIS_URL);
        const keys = await keysUnder(inspector, prefix);
        if (keys.length) await inspector.del(...keys);
        inspector.disconnect();
      });
    },
    { skip },
  );
}
