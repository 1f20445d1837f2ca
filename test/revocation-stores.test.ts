// The revocation store contract on the memory store, Redis (node-redis and
// ioredis) and PostgreSQL; the Redis Cluster run is in redis-cluster-revocation.test.ts.
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import pg from "pg";
import { MemoryRevocationStore } from "../src/lib/stores/memory-revocation.js";
import { PostgresRevocationStore } from "../src/lib/stores/postgres-revocation.js";
import { RedisRevocationStore } from "../src/lib/stores/redis-revocation.js";
import type { RedisClientLike } from "../src/lib/stores/redis-client.js";
import { fakeClock } from "./helpers.js";
import { connectClients, keysUnder, type Clients } from "./redis-clients.js";
import { runRevocationContract } from "./revocation-contract.js";
import { DATABASE_URL, need } from "./services.js";

const wait = (seconds: number) => new Promise<void>((r) => setTimeout(r, seconds * 1000));

runRevocationContract(
  "memory",
  async () => {
    const clock = fakeClock();
    const store = new MemoryRevocationStore({ now: clock.now });
    // A memory store's data is the object itself: losing it is a new store (a process restart).
    return { store, expire: async (s) => clock.advance(s), twin: () => store, lose: async () => new MemoryRevocationStore({ now: clock.now }), close: async () => {} };
  },
  false,
);

const redisSkip = await need("Redis");
let clients: Clients;
before(async () => {
  if (!redisSkip) clients = await connectClients();
});
after(async () => clients?.close());

for (const kind of ["nodeRedis", "ioredis"] as const) {
  runRevocationContract(
    `redis (${kind === "nodeRedis" ? "node-redis" : "ioredis"})`,
    async () => {
      const prefix = `tessera-test:${randomBytes(6).toString("hex")}:`;
      const store = new RedisRevocationStore({ client: clients[kind] as RedisClientLike, prefix });
      const close = async () => {
        const keys = await keysUnder(clients.ioredis, prefix);
        if (keys.length) await clients.ioredis.del(...keys);
      };
      return {
        store,
        expire: wait,
        twin: () => new RedisRevocationStore({ client: clients[kind] as RedisClientLike, prefix }),
        lose: async () => (await close(), store),
        close,
      };
    },
    redisSkip,
  );
}

const pgSkip = await need("PostgreSQL");
let pool: pg.Pool;
before(() => {
  if (!pgSkip) pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
});
after(async () => pool?.end());

runRevocationContract(
  "postgres",
  async () => {
    const table = `tessera_revocations_${randomBytes(5).toString("hex")}`;
    const clock = fakeClock(Date.now());
    const store = new PostgresRevocationStore({ pool, table, now: clock.now });
    await store.ensureTable();
    return {
      store,
      expire: async (s) => clock.advance(s),
      twin: () => new PostgresRevocationStore({ pool, table, now: clock.now }),
      lose: async () => (await pool.query(`TRUNCATE ${table}`), store),
      close: async () => void (await pool.query(`DROP TABLE IF EXISTS ${table}`)),
    };
  },
  pgSkip,
);
