/** The stores of the model-based tests, made from a description a child process can be handed. */
import pg from "pg";
import { Cluster, Redis } from "ioredis";
import { createClient, createCluster } from "redis";
import { FileStore } from "../../src/lib/stores/file.js";
import { PostgresStore } from "../../src/lib/stores/postgres.js";
import { RedisStore, type RedisClientLike } from "../../src/lib/stores/redis.js";
import type { SessionStore } from "../../src/lib/stores/store.js";
import { LocalEndpoint, type Endpoint } from "./endpoint.js";
import { remoteEndpoint } from "./remote.js";

export type SharedStore =
  | { kind: "file"; dir: string }
  | { kind: "redis"; url: string; prefix: string; client: "node-redis" | "ioredis" }
  | { kind: "redis-cluster"; seeds: Array<{ host: string; port: number }>; prefix: string; client: "node-redis" | "ioredis" }
  | { kind: "postgres"; url: string; table: string };

/** A store of its own (connections, caches, queues) on the shared data `spec` names. */
export async function openShared(spec: SharedStore): Promise<{ store: SessionStore; close: () => Promise<void> }> {
  switch (spec.kind) {
    case "file": {
      const store = new FileStore({ dir: spec.dir });
      return { store, close: () => store.settled() };
    }
    case "redis": {
      if (spec.client === "ioredis") {
        const client = new Redis(spec.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
        await client.connect();
        return { store: new RedisStore({ client, prefix: spec.prefix }), close: async () => void client.disconnect() };
      }
      const client = createClient({ url: spec.url });
      client.on("error", () => {});
      await client.connect();
      return { store: new RedisStore({ client: client as unknown as RedisClientLike, prefix: spec.prefix }), close: async () => void (await client.quit()) };
    }
    case "redis-cluster": {
      if (spec.client === "ioredis") {
        const client = new Cluster(spec.seeds, { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 } });
        client.on("error", () => {});
        await client.connect();
        return { store: new RedisStore({ client, prefix: spec.prefix }), close: async () => void client.disconnect() };
      }
      const client = createCluster({ rootNodes: spec.seeds.map((socket) => ({ socket })) });
      client.on("error", () => {});
      await client.connect();
      return { store: new RedisStore({ client, prefix: spec.prefix }), close: () => client.close() };
    }
    case "postgres": {
      const pool = new pg.Pool({ connectionString: spec.url, max: 4 });
      return { store: new PostgresStore({ pool, table: spec.table }), close: () => pool.end() };
    }
  }
}

/** Two servers on the store `spec` names: one in this process, one in a child process. */
export async function twoProcesses(spec: SharedStore, cleanup: () => Promise<void>): Promise<{ endpoints: [Endpoint, Endpoint]; close: () => Promise<void> }> {
  const local = await openShared(spec);
  const remote = await remoteEndpoint(spec);
  return {
    endpoints: [new LocalEndpoint(local.store, local.close), remote],
    close: async () => {
      await remote.close();
      await local.close();
      await cleanup();
    },
  };
}
