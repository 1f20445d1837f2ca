// Real node-redis and ioredis clients for the Redis tests, with helpers to look at raw keys.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { RedisStore, type RedisClientLike } from "../src/lib/stores/redis.js";
import type { StoreFactory } from "./conformance.js";
import { REDIS_URL } from "./services.js";

export interface Clients {
  nodeRedis: RedisClientLike & { quit(): Promise<unknown> };
  ioredis: Redis;
  close(): Promise<void>;
}

export async function connectClients(): Promise<Clients> {
  const nodeRedis = createClient({ url: REDIS_URL });
  nodeRedis.on("error", () => {});
  await nodeRedis.connect();
  const ioredis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await ioredis.connect();
  return {
    nodeRedis: nodeRedis as unknown as Clients["nodeRedis"],
    ioredis,
    async close() {
      await nodeRedis.quit().catch(() => {});
      ioredis.disconnect();
    },
  };
}

/** Every key under `prefix` (test code may SCAN; the store never does). */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    out.push(...keys);
  } while (cursor !== "0");
  return out;
}

/** A store on `client` under a fresh prefix, cleaned up on close. */
export function redisFactory(client: () => RedisClientLike, inspector: () => Redis): StoreFactory {
  return async () => {
    const prefix = `tessera-test:${randomBytes(6).toString("hex")}:`;
    const store = new RedisStore({ client: client(), prefix });
    return {
      store,
      async dump() {
        const keys = await keysUnder(inspector(), prefix);
        const parts = await Promise.all(
          keys.map(async (k) => `${k} ${JSON.stringify((await inspector().type(k)) === "zset" ? await inspector().zrange(k, "0", "-1") : await inspector().hgetall(k))}`),
        );
        return parts.join("\n");
      },
      async close() {
        const keys = await keysUnder(inspector(), prefix);
        if (keys.length) await inspector().del(...keys);
      },
    };
  };
}
