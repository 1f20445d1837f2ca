import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { keysUnder } from "../../test/redis-clients.js";
import { REDIS_URL, need } from "../../test/services.js";
import { TcpProxy } from "../../test/tcp-proxy.js";
import { incrementFromTwoProcesses } from "../../test/cross-process.js";
import { survivesOutage } from "../../test/outage.js";
import { SECRET_A, cookiePair } from "../../test/helpers.js";
import { createRedisSessionStorage } from "../redis.js";
import { RedisStore } from "./redis.js";

const skip = await need("Redis");
let inspector: Redis;
const prefix = `tessera-test:${randomBytes(6).toString("hex")}:`;
before(() => {
  if (!skip) inspector = new Redis(REDIS_URL);
});
after(async () => {
  if (!inspector) return;
  const keys = await keysUnder(inspector, prefix);
  if (keys.length) await inspector.del(...keys);
  inspector.disconnect();
});

const key = () => randomBytes(32).toString("base64url");

describe("redis store", { skip }, () => {
  test("the TTL is set with the write, really expires the key, and a touch refreshes it", async () => {
    const store = new RedisStore({ client: inspector, prefix });
    const k = key();
    const now = Date.now();
    await store.create(k, { data: { a: 1 }, createdAt: now, lastSeenAt: now, expiresAt: now + 400 });
    const raw = store.keysOf(k).session;
    const ttl = await inspector.pttl(raw);
    assert.ok(ttl > 0 && ttl <= 400, `pttl ${ttl}`);
    assert.equal(await store.touch(k, now, now + 60_000, Date.now()), true);
    assert.ok((await inspector.pttl(raw)) > 50_000, "touch moved the TTL");
    assert.equal(await inspector.hget(raw, "d:a"), "1", "touch did not rewrite the data");
    const k2 = key();
    await store.create(k2, { data: {}, createdAt: now, lastSeenAt: now, expiresAt: now + 300 });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await inspector.exists(store.keysOf(k2).session), 0, "Redis removed the expired key");
  });

  test("a save is one round trip and a read is one (counted with MONITOR)", async () => {
    const monitor = await inspector.monitor(); // its own connection
    const commands: string[] = [];
    monitor.on("monitor", (_t: string, args: string[], source: string) => {
      // Commands a script runs show up too, from "lua": count only what the client sent.
      if (source !== "lua" && args.some((a) => a.includes(prefix))) commands.push(args[0]!.toUpperCase());
    });
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      const storage = createRedisSessionStorage({ client, prefix, cookie: { secrets: [SECRET_A] } });
      const s = await storage.read(null);
      s.set("a", 1);
      const cookie = cookiePair(await storage.save(s));
      await new Promise((r) => setTimeout(r, 100));
      const created = commands.splice(0);
      const read = await storage.read(cookie);
      await new Promise((r) => setTimeout(r, 100));
      const reads = commands.splice(0);
      read.set("b", 2);
      await storage.save(read);
      await new Promise((r) => setTimeout(r, 100));
      const saves = commands.splice(0).filter((c) => c !== "EVAL");
      assert.deepEqual(reads, ["HGETALL"]);
      assert.equal(saves.length, 1, `save: ${saves}`);
      assert.ok(["EVALSHA", "EVAL"].includes(created.at(-1)!), `create: ${created}`);
    } finally {
      monitor.disconnect();
      await client.quit();
    }
  });

  test("two processes sharing one Redis increment different keys and lose nothing", async () => {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      const storage = createRedisSessionStorage({ client, prefix, cookie: { secrets: [SECRET_A], name: "sid" } });
      await incrementFromTwoProcesses(storage, "redis", REDIS_URL, prefix, 200);
    } finally {
      await client.quit();
    }
  });

  for (const kind of ["node-redis", "ioredis"] as const) {
    test(`an outage (${kind}): read and save reject with SessionStoreError in bounded time, then the same storage recovers`, async () => {
      const { hostname, port } = new URL(REDIS_URL);
      const proxy = new TcpProxy({ host: hostname, port: Number(port || 6379) });
      await proxy.start();
      const url = `redis://127.0.0.1:${proxy.port}`;
      const client =
        kind === "node-redis"
          ? createClient({ url, socket: { reconnectStrategy: () => 100 } })
          : new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      client.on("error", () => {});
      if (kind === "node-redis") await (client as ReturnType<typeof createClient>).connect();
      try {
        const storage = createRedisSessionStorage({ client: client as never, prefix, timeout: 1000, cookie: { secrets: [SECRET_A] } });
        await survivesOutage(storage, proxy, 5000);
      } finally {
        await proxy.stop();
        if (kind === "node-redis") await (client as ReturnType<typeof createClient>).disconnect().catch(() => {});
        else (client as Redis).disconnect();
      }
    });
  }
});
