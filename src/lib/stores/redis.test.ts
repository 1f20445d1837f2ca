import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { keysUnder } from "../../../test/redis-clients.js";
import { REDIS_URL, need } from "../../../test/services.js";
import { TcpProxy } from "../../../test/tcp-proxy.js";
import { incrementFromTwoProcesses } from "../../../test/cross-process.js";
import { survivesOutage } from "../../../test/outage.js";
import { PrivateRedis, needRedisServer } from "../../../test/private-redis.js";
import { SECRET_A, cookiePair, freePort } from "../../../test/helpers.js";
import { connectClients, type Clients } from "../../../test/redis-clients.js";
import { SessionConfigError, SessionStoreError } from "../errors.js";
import { createRedisSessionStorage } from "../../redis.js";
import { RedisStore, type RedisClientLike } from "./redis.js";
import type { SessionPatch, SessionRecord } from "./store.js";

const skip = await need("Redis");
let inspector: Redis;
let clients: Clients;
const prefix = `tessera-test:${randomBytes(6).toString("hex")}:`;
before(async () => {
  if (skip) return;
  inspector = new Redis(REDIS_URL);
  clients = await connectClients();
});
after(async () => {
  await clients?.close();
  if (!inspector) return;
  const keys = await keysUnder(inspector, prefix);
  if (keys.length) await inspector.del(...keys);
  inspector.disconnect();
});

const KINDS = ["node-redis", "ioredis"] as const;
type Kind = (typeof KINDS)[number];
const clientOf = (kind: Kind): RedisClientLike => (kind === "node-redis" ? clients.nodeRedis : clients.ioredis);

/** A store on a fresh prefix (glob characters allowed), whose keys are deleted afterwards. */
async function withStore<T>(kind: Kind, fn: (store: RedisStore, prefix: string) => Promise<T>, prefixOf = (p: string) => p): Promise<T> {
  const own = prefixOf(`tessera-test:${randomBytes(6).toString("hex")}:`);
  try {
    return await fn(new RedisStore({ client: clientOf(kind), prefix: own }), own);
  } finally {
    const keys = (await keysUnder(inspector, own.replace(/[*?[\]\\]/g, "\\$&"))).filter((k) => k.startsWith(own));
    if (keys.length) await inspector.del(...keys);
  }
}

/**
 * The real client, except that the first command `hold` picks waits until
 * `release()`: a way to stop a store between two of its steps.
 */
function gated(real: RedisClientLike, hold: (args: string[]) => boolean) {
  const send = (args: string[]): Promise<unknown> =>
    "call" in real ? (real as unknown as { call(c: string, a: string[]): Promise<unknown> }).call(args[0]!, args.slice(1)) : (real as { sendCommand(args: string[]): Promise<unknown> }).sendCommand(args);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const held = new Promise<void>((r) => (reached = r));
  let holding = false;
  const client = {
    async sendCommand(args: string[]) {
      if (!holding && hold(args)) {
        holding = true;
        reached();
        await released;
      }
      return send(args);
    },
  };
  return { client, held, release };
}

/**
 * The real client, counting round trips: a command sent while none is in
 * flight starts one; commands sent while others are in flight share it.
 */
function counted(real: RedisClientLike) {
  let inFlight = 0;
  const counter = { rounds: 0, commands: 0 };
  const client = {
    async sendCommand(args: string[]) {
      if (inFlight === 0) counter.rounds++;
      counter.commands++;
      inFlight++;
      try {
        return await ("call" in real ? (real as unknown as { call(c: string, a: string[]): Promise<unknown> }).call(args[0]!, args.slice(1)) : (real as { sendCommand(args: string[]): Promise<unknown> }).sendCommand(args));
      } finally {
        inFlight--;
      }
    },
  };
  return { client, counter, reset: () => Object.assign(counter, { rounds: 0, commands: 0 }) };
}

/**
 * The commands `keep` picks, seen through MONITOR on `server`. `drain()` takes
 * them out once every command sent before it was seen: it waits for a marker
 * sent after them, which MONITOR shows after them.
 */
async function monitored(server: Redis, keep: (args: string[], source: string) => boolean) {
  const monitor = await server.monitor(); // its own connection
  const commands: string[] = [];
  const markers = new Map<string, () => void>();
  monitor.on("monitor", (_t: string, args: string[], source: string) => {
    const marker = args[0]?.toUpperCase() === "ECHO" ? markers.get(args[1]!) : undefined;
    if (marker) marker();
    else if (keep(args, source)) commands.push(args[0]!.toUpperCase());
  });
  return {
    async drain(): Promise<string[]> {
      const marker = `monitor-marker:${randomBytes(8).toString("hex")}`;
      const seen = new Promise<void>((resolve) => markers.set(marker, resolve));
      await server.echo(marker);
      await seen;
      markers.delete(marker);
      return commands.splice(0);
    },
    stop: () => monitor.disconnect(),
  };
}

const key = () => randomBytes(32).toString("base64url");
const record = (now: number, extra: Partial<SessionRecord> = {}): SessionRecord => ({ data: { a: 1 }, createdAt: now, lastSeenAt: now, expiresAt: now + 60_000, ...extra });
const patch = (now: number, extra: Partial<SessionPatch> = {}): SessionPatch => ({ clear: false, set: {}, unset: [], lastSeenAt: now, expiresAt: now + 60_000, ...extra });

/**
 * A client of `kind` that reaches the shared server through a proxy the test can stop, reconnecting
 * every 100 ms; ioredis gives a command up after `retries` reconnects (null: never).
 */
async function behindProxy(kind: Kind, retries: number | null) {
  const { hostname, port } = new URL(REDIS_URL);
  const proxy = new TcpProxy({ host: hostname, port: Number(port || 6379) });
  await proxy.start();
  const url = `redis://127.0.0.1:${proxy.port}`;
  const client =
    kind === "node-redis"
      ? createClient({ url, socket: { reconnectStrategy: () => 100 } })
      : new Redis(url, { maxRetriesPerRequest: retries, retryStrategy: () => 100 });
  client.on("error", () => {});
  if (kind === "node-redis") await (client as ReturnType<typeof createClient>).connect();
  return { proxy, client };
}

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
    await store.create(k2, { data: {}, createdAt: now, lastSeenAt: now, expiresAt: now + 100 });
    const raw2 = store.keysOf(k2).session;
    // Real time has to pass: the TTL Redis reports, and a little more.
    const left = Math.max(0, await inspector.pttl(raw2));
    await new Promise((r) => setTimeout(r, left + 20));
    assert.equal(await inspector.exists(raw2), 0, "Redis removed the expired key");
  });

  test("a save is one round trip and a read is one (counted with MONITOR)", async () => {
    // Commands a script runs show up too, from "lua": count only what the client sent.
    const monitor = await monitored(inspector, (args, source) => source !== "lua" && args.some((a) => a.includes(prefix)));
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      const storage = createRedisSessionStorage({ client, prefix, cookie: { secrets: [SECRET_A] } });
      const s = await storage.read(null);
      s.set("a", 1);
      const cookie = cookiePair(await storage.save(s));
      const created = await monitor.drain();
      const read = await storage.read(cookie);
      const reads = await monitor.drain();
      read.set("b", 2);
      await storage.save(read);
      const saves = (await monitor.drain()).filter((c) => c !== "EVAL");
      assert.deepEqual(reads, ["HGETALL"]);
      assert.equal(saves.length, 1, `save: ${saves}`);
      assert.ok(["EVALSHA", "EVAL"].includes(created.at(-1)!), `create: ${created}`);
    } finally {
      monitor.stop();
      await client.quit();
    }
  });

  test("a session whose stored hash holds a value that is not JSON (another tool wrote it) reads as a fresh session, and is not listed", async () => {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      const storage = createRedisSessionStorage({ client, prefix, userKey: "userId", cookie: { secrets: [SECRET_A], name: "sid" } });
      const s = await storage.read(null);
      s.set("userId", "garbled");
      s.set("a", 1);
      const cookie = cookiePair(await storage.save(s));
      let garbled = 0;
      for (const k of await inspector.keys(`${prefix}s:*`)) {
        if ((await inspector.hget(k, "d:userId")) === '"garbled"') garbled += await inspector.hset(k, "d:a", "{not json").then(() => 1);
      }
      assert.equal(garbled, 1);
      for (let i = 0; i < 2; i++) {
        const again = await storage.read(cookie);
        assert.deepEqual([again.isNew, again.get("a")], [true, undefined]);
      }
      assert.deepEqual(await storage.listSessions("garbled"), []);
      assert.equal(await storage.destroyAllSessions("garbled"), 1);
    } finally {
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
      const { proxy, client } = await behindProxy(kind, 1);
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

describe("redis store: a command that timed out while the client reconnects", { skip }, () => {
  for (const kind of ["node-redis", "ioredis"] as const) {
    // node-redis drops a command from its offline queue when tessera gives up on it (its abortSignal);
    // ioredis has no such thing, so its queued command runs once the server is back (README: disable its offline queue).
    const later = kind === "node-redis" ? "never runs once the server is back" : "runs once the server is back, unless its offline queue is off";
    test(`a save that answered SessionStoreError ${later}; a logout that did runs (${kind})`, async () => {
      const { proxy, client } = await behindProxy(kind, null);
      try {
        const storage = createRedisSessionStorage({ client: client as never, prefix, timeout: 300, cookie: { secrets: [SECRET_A] } });
        const first = await storage.read(null);
        first.set("count", 1);
        const cookie = cookiePair(await storage.save(first));
        const s = await storage.read(cookie);
        await proxy.stop();
        // Long enough for the client to see the connection gone: the save is queued while it reconnects.
        await new Promise((r) => setTimeout(r, 150));
        s.set("count", 2);
        await assert.rejects(storage.save(s), SessionStoreError);
        await proxy.start();
        let count: unknown;
        for (let i = 0; i < 50 && count === undefined; i++) {
          count = await storage.read(cookie).then((back) => back.get("count"), () => undefined);
          if (count === undefined) await new Promise((r) => setTimeout(r, 100));
        }
        // Anything still queued is written with the first commands after the reconnect: give it time to land.
        await new Promise((r) => setTimeout(r, 200));
        assert.equal((await storage.read(cookie)).get("count"), kind === "node-redis" ? 1 : 2);
        // A logout is different: welcome whenever it lands, it is never taken back, and does run once the server is back.
        await proxy.stop();
        await new Promise((r) => setTimeout(r, 150));
        await assert.rejects(storage.destroySession(s), SessionStoreError);
        await proxy.start();
        let loggedOut = false;
        for (let i = 0; i < 50 && !loggedOut; i++) {
          loggedOut = await storage.read(cookie).then((back) => back.isNew, () => false);
          if (!loggedOut) await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(loggedOut, true, "the logout that answered 503 ran once Redis was back");
      } finally {
        await proxy.stop();
        if (kind === "node-redis") await (client as ReturnType<typeof createClient>).disconnect().catch(() => {});
        else (client as Redis).disconnect();
      }
    });
  }
});

describe("redis store: options and errors", { skip }, () => {
  test("bad options throw SessionConfigError naming the option and the value", () => {
    const cases: Array<[Record<string, unknown> | undefined, string]> = [
      [undefined, "option client is invalid: undefined; pass a connected node-redis (createClient, createCluster) or ioredis (new Redis(), new Cluster()) client"],
      [{}, "option client is invalid: undefined; pass a connected node-redis (createClient, createCluster) or ioredis (new Redis(), new Cluster()) client"],
      [{ client: "redis://127.0.0.1" }, 'option client is invalid: "redis://127.0.0.1"; pass a connected node-redis (createClient, createCluster) or ioredis (new Redis(), new Cluster()) client'],
      [{ client: { get() {} } }, "option client is invalid: an object without call() or sendCommand(); pass a connected node-redis (createClient, createCluster) or ioredis (new Redis(), new Cluster()) client"],
      [{ client: inspector, prefix: 5 }, 'option prefix is invalid: 5; use a string such as "tessera:"'],
      [{ client: inspector, prefix: null }, 'option prefix is invalid: null; use a string such as "tessera:"'],
      [{ client: inspector, timeout: 0 }, "option timeout is invalid: 0; use a whole number of milliseconds from 1 to 2147483647"],
      [{ client: inspector, timeout: -1 }, "option timeout is invalid: -1; use a whole number of milliseconds from 1 to 2147483647"],
      [{ client: inspector, timeout: 1.5 }, "option timeout is invalid: 1.5; use a whole number of milliseconds from 1 to 2147483647"],
      [{ client: inspector, timeout: "2000" }, 'option timeout is invalid: "2000"; use a whole number of milliseconds from 1 to 2147483647'],
      [{ client: inspector, timeout: NaN }, "option timeout is invalid: NaN; use a whole number of milliseconds from 1 to 2147483647"],
      [{ client: inspector, timeout: 2 ** 31 }, "option timeout is invalid: 2147483648; use a whole number of milliseconds from 1 to 2147483647"],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new RedisStore(options as never), (e: unknown) => e instanceof SessionConfigError && e.message === message, message);
      assert.throws(
        () => createRedisSessionStorage({ ...(options as object), cookie: { secrets: [SECRET_A] } } as never),
        (e: unknown) => e instanceof SessionConfigError && e.message === message,
      );
    }
  });

  test("bad durability options throw SessionConfigError naming the option and the value", () => {
    const fix = "use { replicas: 1, timeout: 100 }: a whole number of replicas from 1, and of milliseconds from 1 to below the store's timeout";
    const cases: Array<[unknown, number | undefined, string]> = [
      [null, undefined, `option durability is invalid: null; ${fix} (2000)`],
      [1, undefined, `option durability is invalid: 1; ${fix} (2000)`],
      ["1", undefined, `option durability is invalid: "1"; ${fix} (2000)`],
      [{ timeout: 100 }, undefined, `option durability.replicas is invalid: undefined; ${fix} (2000)`],
      [{ replicas: 0, timeout: 100 }, undefined, `option durability.replicas is invalid: 0; ${fix} (2000)`],
      [{ replicas: 1.5, timeout: 100 }, undefined, `option durability.replicas is invalid: 1.5; ${fix} (2000)`],
      [{ replicas: "1", timeout: 100 }, undefined, `option durability.replicas is invalid: "1"; ${fix} (2000)`],
      [{ replicas: 1 }, undefined, `option durability.timeout is invalid: undefined; ${fix} (2000)`],
      [{ replicas: 1, timeout: 0 }, undefined, `option durability.timeout is invalid: 0; ${fix} (2000)`],
      [{ replicas: 1, timeout: 2000 }, undefined, `option durability.timeout is invalid: 2000; ${fix} (2000)`],
      [{ replicas: 1, timeout: 500 }, 500, `option durability.timeout is invalid: 500; ${fix} (500)`],
    ];
    for (const [durability, timeout, message] of cases) {
      const options = { client: inspector, durability, ...(timeout === undefined ? {} : { timeout }) };
      assert.throws(() => new RedisStore(options as never), (e: unknown) => e instanceof SessionConfigError && e.message === message, message);
    }
    assert.ok(new RedisStore({ client: inspector, durability: { replicas: 2, timeout: 1999 } }));
  });

  for (const kind of KINDS) {
    test(`a server that cannot be reached fails with a SessionStoreError naming no host or port, the driver's error as cause (${kind})`, async () => {
      const port = await freePort();
      const url = `redis://127.0.0.1:${port}`;
      const client =
        kind === "node-redis"
          ? createClient({ url, disableOfflineQueue: false, socket: { reconnectStrategy: false } })
          : new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
      client.on("error", () => {});
      // node-redis: a command queued while the connect is refused fails with the socket's own error.
      const connecting = kind === "node-redis" ? (client as ReturnType<typeof createClient>).connect().catch(() => {}) : undefined;
      try {
        const store = new RedisStore({ client: client as never });
        const now = Date.now();
        for (const attempt of [() => store.get(key(), now), () => store.create(key(), record(now, { userId: "u" })), () => store.purge(now)]) {
          await assert.rejects(attempt(), (e: unknown) => {
            assert.ok(e instanceof SessionStoreError);
            assert.equal(e.message, "redis: the command failed");
            assert.ok(!e.message.includes("127.0.0.1") && !e.message.includes(String(port)));
            assert.ok(e.cause instanceof Error, "the driver's error is the cause");
            return true;
          });
        }
      } finally {
        await connecting;
        if (kind === "ioredis") (client as Redis).disconnect();
      }
    });
  }

  test("an error reply from Redis is a SessionStoreError in fixed words, the reply as cause", async () => {
    await withStore("ioredis", async (store) => {
      const k = key();
      await inspector.set(store.keysOf(k).session, "not a hash");
      await assert.rejects(store.get(k, Date.now()), (e: unknown) => {
        assert.ok(e instanceof SessionStoreError);
        assert.equal(e.message, "redis: the command failed");
        assert.match((e.cause as Error).message, /^WRONGTYPE/);
        return true;
      });
    });
  });
});

describe("redis store: sessions of any size", { skip }, () => {
  for (const kind of KINDS) {
    test(`a session of 10,000 keys creates, updates, replaces, gives up values and reads back (${kind})`, async () => {
      await withStore(kind, async (store) => {
        const now = Date.now();
        const data = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`key${i}`, i]));
        const k = key();
        await store.create(k, record(now, { data, userId: "big" }));
        assert.deepEqual((await store.get(k, now))!.data, data);

        const set = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`key${i}`, `v${i}`]));
        const unset = Array.from({ length: 10_000 }, (_, i) => `gone${i}`);
        const restore = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`back${i}`, i]));
        assert.equal(await store.update(k, patch(now, { set, unset, restore }), now), true);
        assert.deepEqual((await store.get(k, now))!.data, { ...set, ...restore });

        assert.equal(await store.update(k, patch(now, { clear: true, set }), now), true);
        assert.deepEqual((await store.get(k, now))!.data, set);

        const fields = Array.from({ length: 10_000 }, (_, i) => `key${i}`);
        const taken = await store.take(k, fields.slice(0, 5_000), now);
        assert.deepEqual(taken, Object.fromEntries(fields.slice(0, 5_000).map((f, i) => [f, `v${i}`])));

        const k2 = key();
        assert.equal(await store.replace(k, k2, record(now, { data, userId: "big" }), now), true);
        assert.deepEqual((await store.get(k2, now))!.data, data);
        assert.equal(await store.get(k, now), null);
      });
    });

    test(`a session holding one 1 MB value creates, updates, replaces and reads back (${kind})`, async () => {
      await withStore(kind, async (store) => {
        const now = Date.now();
        const big = "x".repeat(1024 * 1024);
        const k = key();
        await store.create(k, record(now, { data: { big } }));
        assert.equal((await store.get(k, now))!.data.big, big);
        const bigger = "y".repeat(1024 * 1024);
        assert.equal(await store.update(k, patch(now, { set: { big: bigger } }), now), true);
        assert.equal((await store.get(k, now))!.data.big, bigger);
        const k2 = key();
        assert.equal(await store.replace(k, k2, record(now, { data: { big } }), now), true);
        assert.deepEqual((await store.get(k2, now))!.data, { big });
      });
    });
  }
});

describe("redis store: replace (regenerateId)", { skip }, () => {
  for (const kind of KINDS) {
    test(`a replace moves a live record: the old key is gone, the new one holds the record, the index lists only it (${kind})`, async () => {
      await withStore(kind, async (store) => {
        const now = Date.now();
        const [a, b] = [key(), key()];
        await store.create(a, record(now, { data: { cart: 3 }, userId: "ann" }));
        const next = record(now, { data: { cart: 3, user: "ann" }, userId: "ann", maxAge: 3600 });
        assert.equal(await store.replace(a, b, next, now), true);
        assert.equal(await inspector.exists(store.keysOf(a).session), 0);
        assert.deepEqual(await store.get(b, now), next);
        assert.deepEqual(
          (await store.listByUser("ann", now)).map((r) => r.key),
          [b],
        );
      });
    });
  }

  test("a replace of a session that was deleted or has expired returns false and creates nothing", async () => {
    await withStore("node-redis", async (store) => {
      const now = Date.now();
      const [a, b, c, d] = [key(), key(), key(), key()];
      assert.equal(await store.replace(a, b, record(now), now), false, "never existed");
      await store.create(c, record(now, { expiresAt: now + 60_000 }));
      assert.equal(await store.replace(c, d, record(now), now + 60_000), false, "expired by the caller's clock");
      assert.equal(await inspector.exists(store.keysOf(b).session, store.keysOf(d).session), 0);
      assert.ok((await store.get(c, now)) !== null, "the expired one was not touched");
    });
  });

  test("a record being moved reads as absent to get, update, touch, take and another replace", { timeout: 20_000 }, async () => {
    await withStore("ioredis", async (store, own) => {
      const now = Date.now();
      const [a, b, c] = [key(), key(), key()];
      await store.create(a, record(now, { data: { __flash_m__: "hi" } }));
      const gate = gated(clients.ioredis, (args) => args.includes(store.keysOf(b).session));
      const mover = new RedisStore({ client: gate.client, prefix: own });
      const moving = mover.replace(a, b, record(now), now);
      await gate.held;
      assert.equal(await store.get(a, now), null);
      assert.equal(await store.update(a, patch(now, { set: { x: 1 } }), now), false);
      assert.equal(await store.touch(a, now, now + 60_000, now), false);
      assert.equal(await store.take(a, ["__flash_m__"], now), null);
      assert.equal(await store.replace(a, c, record(now), now), false);
      const pttl = await inspector.pttl(store.keysOf(a).session);
      assert.ok(pttl > 0 && pttl <= 60_000, `the mark expires by itself: pttl ${pttl}`);
      gate.release();
      assert.equal(await moving, true);
      assert.equal(await inspector.exists(store.keysOf(a).session, store.keysOf(c).session), 0);
      assert.deepEqual((await store.get(b, now))!.data, { a: 1 });
    });
  });

  for (const kind of KINDS) {
    test(`a logout during a replace wins: the replace returns false and neither record is left (${kind})`, { timeout: 20_000 }, async () => {
      await withStore(kind, async (store, own) => {
        const now = Date.now();
        const [a, b] = [key(), key()];
        await store.create(a, record(now, { userId: "ann" }));
        const gate = gated(clientOf(kind), (args) => args.includes(store.keysOf(b).session));
        const moving = new RedisStore({ client: gate.client, prefix: own }).replace(a, b, record(now, { userId: "ann" }), now);
        await gate.held;
        await store.delete(a);
        gate.release();
        assert.equal(await moving, false);
        assert.equal(await inspector.exists(store.keysOf(a).session, store.keysOf(b).session), 0);
        assert.deepEqual(await store.listByUser("ann", now), []);
      });
    });

    test(`"log out everywhere" during a replace wins, the moving record counted (${kind})`, { timeout: 20_000 }, async () => {
      await withStore(kind, async (store, own) => {
        const now = Date.now();
        const [a, b, other] = [key(), key(), key()];
        await store.create(a, record(now, { userId: "ann" }));
        await store.create(other, record(now, { userId: "ann" }));
        const gate = gated(clientOf(kind), (args) => args.includes(store.keysOf(b).session));
        const moving = new RedisStore({ client: gate.client, prefix: own }).replace(a, b, record(now, { userId: "ann" }), now);
        await gate.held;
        assert.equal(await store.deleteByUser("ann", undefined, now), 2);
        gate.release();
        assert.equal(await moving, false);
        assert.equal(await inspector.exists(store.keysOf(a).session, store.keysOf(b).session), 0);
        assert.deepEqual(await store.listByUser("ann", now), []);
      });
    });
  }

  test('"log out everywhere" that read the index before a whole replace ran still deletes the new record', { timeout: 20_000 }, async () => {
    await withStore("node-redis", async (store, own) => {
      const now = Date.now();
      const [a, b] = [key(), key()];
      await store.create(a, record(now, { userId: "ann" }));
      // Stop the logout after it read the index, before it deletes anything.
      const gate = gated(clients.nodeRedis, (args) => args[0] === "EVALSHA" || args[0] === "EVAL");
      const logout = new RedisStore({ client: gate.client, prefix: own }).deleteByUser("ann", undefined, now);
      await gate.held;
      assert.equal(await store.replace(a, b, record(now, { userId: "ann" }), now), true);
      gate.release();
      assert.equal(await logout, 1);
      assert.equal(await store.get(b, now), null);
      assert.deepEqual(await store.listByUser("ann", now), []);
    });
  });

  for (const kind of KINDS) {
    test(`a replace whose new record cannot be stored fails and leaves the old record as it was, TTL included (${kind})`, async () => {
      await withStore(kind, async (store) => {
        const now = Date.now();
        const [a, b] = [key(), key()];
        const old = record(now, { data: { cart: 3 }, expiresAt: now + 600_000 });
        await store.create(a, old);
        // The new owner's index is not a sorted set: storing the new record fails on Redis itself.
        await inspector.set(store.indexOf("bob"), "in the way");
        await assert.rejects(store.replace(a, b, record(now, { userId: "bob" }), now), SessionStoreError);
        assert.deepEqual(await store.get(a, now), { ...old, userId: undefined });
        assert.ok((await inspector.pttl(store.keysOf(a).session)) > 500_000, "the TTL is back to the record's expiry");
        assert.equal(await inspector.exists(store.keysOf(b).session), 0);
        const [c] = [key()];
        assert.equal(await store.replace(a, c, record(now), now), true, "and it can be moved again");
      });
    });
  }
});

describe("redis store: maxAge and restore", { skip }, () => {
  for (const kind of KINDS) {
    test(`a session's own maxAge is stored, changed, removed and read back by get and listByUser (${kind})`, async () => {
      await withStore(kind, async (store) => {
        const now = Date.now();
        const k = key();
        await store.create(k, record(now, { userId: "ann", maxAge: 2_592_000 }));
        assert.equal((await store.get(k, now))!.maxAge, 2_592_000);
        assert.equal((await store.listByUser("ann", now))[0]!.record.maxAge, 2_592_000);
        assert.equal(await store.update(k, patch(now), now), true);
        assert.equal((await store.get(k, now))!.maxAge, 2_592_000, "undefined leaves it");
        assert.equal(await store.update(k, patch(now, { maxAge: 60 }), now), true);
        assert.equal((await store.get(k, now))!.maxAge, 60);
        assert.equal(await store.update(k, patch(now, { maxAge: null }), now), true);
        assert.equal((await store.get(k, now))!.maxAge, undefined);
        assert.equal("maxAge" in (await store.get(k, now))!, false);
      });
    });

    test(`restore puts a value back only where its key is absent after clear and unset, and before set (${kind})`, async () => {
      await withStore(kind, async (store) => {
        const now = Date.now();
        const k = key();
        await store.create(k, record(now, { data: { kept: "theirs", gone: 1, other: 2 } }));
        const restore = { absent: "mine", kept: "mine", gone: "mine", overwritten: "mine" };
        assert.equal(await store.update(k, patch(now, { unset: ["gone"], restore, set: { overwritten: "set" } }), now), true);
        assert.deepEqual((await store.get(k, now))!.data, { kept: "theirs", other: 2, absent: "mine", gone: "mine", overwritten: "set" });
        assert.equal(await store.update(k, patch(now, { clear: true, restore: { kept: "mine" }, set: { fresh: 1 } }), now), true);
        assert.deepEqual((await store.get(k, now))!.data, { kept: "mine", fresh: 1 });
      });
    });
  }
});

describe("redis store: the user index is bounded by live sessions", { skip }, () => {
  for (const kind of KINDS) {
    test(`a login, a signed-in save, a touch naming the owner and a read each cost one round trip (${kind})`, async () => {
      await withStore(kind, async (_, own) => {
        const { client, counter, reset } = counted(clientOf(kind));
        const store = new RedisStore({ client, prefix: own });
        const now = Date.now();
        const run = async (k: string) => {
          const steps: Array<[string, () => Promise<unknown>]> = [
            ["login", () => store.create(k, record(now, { userId: "ann" }))],
            ["save", () => store.update(k, patch(now + 1000, { set: { b: 2 }, expiresAt: now + 61_000 }), now + 1000)],
            ["touch", () => store.touch(k, now + 2000, now + 62_000, now + 2000, "ann")],
            ["read", () => store.get(k, now + 2000)],
          ];
          const out: Record<string, [number, number]> = {};
          for (const [name, step] of steps) {
            reset();
            await step();
            out[name] = [counter.rounds, counter.commands];
          }
          return out;
        };
        await run(key()); // loads the scripts (a first EVALSHA answers NOSCRIPT)
        assert.deepEqual(await run(key()), { login: [1, 2], save: [1, 1], touch: [1, 2], read: [1, 1] });
      });
    });
  }

  for (const kind of KINDS) {
    test(`an index left as a plain set by the earlier layout is upgraded in place: listed, revoked, logged into, purged (${kind})`, async () => {
      await withStore(kind, async (store, own) => {
        const now = Date.now();
        const [a, b, gone] = [key(), key(), key()];
        await store.create(a, record(now, { userId: "ann" }));
        await store.create(b, record(now, { userId: "ann" }));
        const index = store.indexOf("ann");
        await inspector.del(index);
        await inspector.sadd(index, a, b, gone);
        assert.equal(await inspector.type(index), "set");
        assert.deepEqual((await store.listByUser("ann", now)).map((r) => r.key).sort(), [a, b].sort());
        assert.equal(await inspector.type(index), "zset");
        assert.ok((await inspector.pttl(index)) > 0, "and it has a TTL now");
        await inspector.del(index);
        await inspector.sadd(index, a, b);
        const c = key();
        await store.create(c, record(now, { userId: "ann" }));
        assert.equal(await store.deleteByUser("ann", c, now), 2, "log out everywhere still reaches sessions made before the upgrade");
        await inspector.del(index);
        await inspector.sadd(index, gone);
        await store.purge(now);
        assert.equal(await inspector.exists(index), 0, "purge upgrades and empties it");
        void own;
      });
    });
  }

  /** Every index key under `own`, with its member count and PTTL. */
  async function indexes(own: string) {
    const keys = (await keysUnder(inspector, own)).filter((k) => k.startsWith(`${own}u:`));
    return Promise.all(keys.map(async (k) => ({ key: k, members: await inspector.zcard(k), pttl: await inspector.pttl(k) })));
  }

  for (const kind of KINDS) {
    test(`500 logins that expire leave, after purge, no dead member and no index key without a TTL (${kind})`, async () => {
      await withStore(kind, async (store, own) => {
        const now = Date.now();
        const logins: Array<Promise<void>> = [];
        // They expire by the caller's clock (purge is handed one 45 s ahead), not by a race
        // with real time: a slow machine's later logins would prune the earlier ones first.
        for (let i = 0; i < 500; i++) logins.push(store.create(key(), record(now, { userId: `user${i % 100}`, expiresAt: now + 30_000 })));
        const live = [key(), key(), key()];
        for (const [i, k] of live.entries()) logins.push(store.create(k, record(now, { userId: `user${i}` })));
        await Promise.all(logins);
        // An index left without a TTL (by hand, or an older layout) gets one back.
        await inspector.persist(store.indexOf("user0"));
        const later = Date.now() + 45_000;
        assert.equal(await store.purge(later), 500);
        const left = await indexes(own);
        assert.deepEqual(left.map((i) => i.members), [1, 1, 1]);
        for (const i of left) assert.ok(i.pttl > 0, `${i.key} has a TTL: ${i.pttl}`);
        assert.deepEqual((await store.listByUser("user0", later)).map((r) => r.key), [live[0]]);
      });
    });
  }

  test("purge drops a member whose session expired by the caller's clock though its score is still ahead, and the record with it", async () => {
    await withStore("ioredis", async (store, own) => {
      const now = Date.now();
      const k = key();
      await store.create(k, record(now, { userId: "ann", expiresAt: now + 600_000 }));
      assert.ok(Number(await inspector.zscore(store.indexOf("ann"), k)) > now + 900_000, "the score is ahead of purge's clock");
      assert.equal(await store.purge(now + 900_000), 1);
      assert.equal(await inspector.exists(store.keysOf(k).session, store.indexOf("ann")), 0);
      assert.deepEqual(await indexes(own), []);
    });
  });

  test("purge with glob characters in the prefix walks only its own indexes", async () => {
    await withStore(
      "node-redis",
      async (store, own) => {
        const now = Date.now();
        // A neighbour whose prefix the unescaped pattern would match: "[ab]" matches "a".
        const neighbourPrefix = own.replace("[ab]*?\\", "a-x\\");
        const neighbour = new RedisStore({ client: clients.nodeRedis, prefix: neighbourPrefix });
        try {
          const [mine, theirs] = [key(), key()];
          await store.create(mine, record(now, { userId: "ann", expiresAt: now + 1000 }));
          await neighbour.create(theirs, record(now, { userId: "ann", expiresAt: now + 1000 }));
          assert.equal(await store.purge(now + 5000), 1);
          assert.equal(await inspector.zcard(neighbour.indexOf("ann")), 1, "the neighbour's index is untouched");
          assert.equal(await inspector.exists(store.indexOf("ann")), 0);
        } finally {
          const keys = (await keysUnder(inspector, "tessera-test:")).filter((k) => k.startsWith(neighbourPrefix));
          if (keys.length) await inspector.del(...keys);
        }
      },
      (p) => `${p}[ab]*?\\:`,
    );
  });

  test("a login prunes the dead entries of its index and leaves the key no longer than its last entry", async () => {
    await withStore("node-redis", async (store) => {
      const now = Date.now();
      const [old, fresh] = [key(), key()];
      await store.create(old, record(now, { userId: "ann", expiresAt: now + 1000 }));
      const later = now + 5000;
      await store.create(fresh, record(later, { userId: "ann", expiresAt: later + 60_000 }));
      const index = store.indexOf("ann");
      assert.deepEqual(await inspector.zrange(index, "0", "-1"), [fresh]);
      const score = Number(await inspector.zscore(index, fresh));
      assert.equal(score, later + 120_000, "an entry stays one lifetime past its expiry");
      const pttl = await inspector.pttl(index);
      assert.ok(pttl > 0 && pttl <= score - later, `pttl ${pttl}`);
    });
  });

  for (const kind of KINDS) {
    test(`a session kept alive by saves and touches stays in its owner's index, which is rewritten only when its entry runs short (${kind})`, async () => {
      await withStore(kind, async (store) => {
        const start = Date.now();
        const k = key();
        const index = store.indexOf("ann");
        await store.create(k, record(start, { userId: "ann", expiresAt: start + 1000 }));
        const score = async () => Number(await inspector.zscore(index, k));
        assert.equal(await score(), start + 2000);
        // Saves that do not name the owner: the entry is rewritten only once it would end before the session.
        let now = start + 500;
        assert.equal(await store.update(k, patch(now, { set: { n: 1 }, expiresAt: now + 1000 }), now), true);
        assert.equal(await score(), start + 2000, "still covers the session: no index write");
        now = start + 1400;
        assert.equal(await store.update(k, patch(now, { set: { n: 2 }, expiresAt: now + 1000 }), now), true);
        assert.equal(await score(), now + 2000, "ran short: rewritten");
        // Touches without the owner behave the same; with it, the entry follows every touch.
        now = start + 2300;
        assert.equal(await store.touch(k, now, now + 1000, now), true);
        assert.equal(await score(), start + 3400);
        now = start + 3200;
        assert.equal(await store.touch(k, now, now + 1000, now), true);
        assert.equal(await score(), now + 2000);
        now = start + 4100;
        assert.equal(await store.touch(k, now, now + 1000, now, "ann"), true);
        assert.equal(await score(), now + 2000);
        for (let i = 0; i < 10; i++) {
          now += 900;
          if (i % 2) assert.equal(await store.touch(k, now, now + 1000, now), true);
          else assert.equal(await store.update(k, patch(now, { set: { i }, expiresAt: now + 1000 }), now), true);
          assert.deepEqual((await store.listByUser("ann", now)).map((r) => r.key), [k], `step ${i}`);
        }
        assert.equal(await store.purge(now), 0);
        assert.equal(await store.deleteByUser("ann", undefined, now), 1);
      });
    });
  }

  test("an index write that fails fails the save, and the next save writes the index again", async () => {
    await withStore("node-redis", async (store) => {
      const now = Date.now();
      const k = key();
      const index = store.indexOf("ann");
      await store.create(k, record(now, { userId: "ann" }));
      await inspector.del(index);
      await inspector.set(index, "in the way");
      await assert.rejects(store.touch(k, now, now + 60_000, now, "ann"), SessionStoreError);
      await inspector.del(index);
      assert.equal(await store.update(k, patch(now, { set: { b: 1 } }), now), true);
      assert.equal(Number(await inspector.zscore(index, k)), now + 120_000);
    });
  });

  test("an owner change moves the session to the new owner's index; the old one drops it when read", async () => {
    await withStore("ioredis", async (store) => {
      const now = Date.now();
      const k = key();
      await store.create(k, record(now, { userId: "ann" }));
      assert.equal(await store.update(k, patch(now, { userId: "bob" }), now), true);
      assert.deepEqual((await store.listByUser("bob", now)).map((r) => r.key), [k]);
      assert.deepEqual(await store.listByUser("ann", now), []);
      assert.equal(await inspector.exists(store.indexOf("ann")), 0);
      assert.equal(await store.update(k, patch(now, { userId: null }), now), true);
      assert.deepEqual(await store.listByUser("bob", now), []);
    });
  });
});

describe("redis store: durability (WAIT after each write)", { skip }, () => {
  let primary: PrivateRedis;
  let replica: PrivateRedis;
  let admin: Redis;
  /** Makes `replica` a replica of `primary`, and waits until it is in sync and has written its first AOF. */
  async function link(): Promise<void> {
    const r = new Redis(replica.url);
    try {
      await r.call("REPLICAOF", "127.0.0.1", String(primary.port));
      // A replica still writing its first AOF refuses to shut down on SIGTERM.
      for (let i = 0; i < 200; i++) {
        const [links, persistence] = await Promise.all([admin.call("INFO", "replication"), r.call("INFO", "persistence")]);
        if (/slave0:.*state=online/.test(String(links)) && /aof_rewrite_in_progress:0/.test(String(persistence)) && /aof_rewrite_scheduled:0/.test(String(persistence))) return;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error("the replica did not come in sync");
    } finally {
      r.disconnect();
    }
  }
  before(async () => {
    if (skip || needRedisServer()) return;
    // One after the other: two free ports picked at once can be the same port.
    primary = await PrivateRedis.start();
    replica = await PrivateRedis.start();
    admin = new Redis(primary.url);
    // A replica syncs at once rather than after the default five seconds of waiting for others.
    await admin.call("CONFIG", "SET", "repl-diskless-sync-delay", "0");
    await link();
  });
  after(async () => {
    admin?.disconnect();
    await Promise.all([primary?.close(), replica?.close()]);
  });

  const connect = async (kind: Kind) => {
    if (kind === "ioredis") {
      const client = new Redis(primary.url, { maxRetriesPerRequest: 1 });
      return { client: client as RedisClientLike, close: async () => void client.disconnect() };
    }
    const client = createClient({ url: primary.url });
    await client.connect();
    return { client: client as RedisClientLike, close: () => client.quit() };
  };

  for (const kind of KINDS) {
    test(`with durability, each write is followed by WAIT on its connection; once the replica is gone a write fails with SessionStoreError after the WAIT timeout, and reads still work (${kind})`, async (t) => {
      if (!primary) return t.skip("redis-server is not installed");
      const { client, close } = await connect(kind);
      const monitor = await monitored(admin, (_args, source) => source !== "lua");
      try {
        const store = new RedisStore({ client, prefix: "d:", timeout: 1000, durability: { replicas: 1, timeout: 300 } });
        const now = Date.now();
        const [a, b] = [key(), key()];
        await store.create(a, record(now));
        assert.equal(await store.update(a, patch(now, { set: { n: 2 } }), now), true);
        assert.equal(await store.replace(a, b, record(now, { data: { n: 3 } }), now), true);
        assert.deepEqual((await store.get(b, now))?.data, { n: 3 });
        await store.delete(b);
        const writes = (await monitor.drain()).filter((c) => c !== "HGETALL");
        // Even a script's first EVALSHA, refused with NOSCRIPT before its EVAL, went out with its WAIT.
        for (let i = 0; i < writes.length; i += 2) assert.deepEqual([writes[i] !== "WAIT", writes[i + 1]], [true, "WAIT"], writes.join(" "));
        assert.ok(writes.length >= 10, writes.join(" "));
        const live = key();
        await store.create(live, record(now));
        await replica.stop();
        for (let i = 0; i < 100 && !/connected_slaves:0/.test(String(await admin.call("INFO", "replication"))); i++) await new Promise((r) => setTimeout(r, 50));
        const started = Date.now();
        await assert.rejects(store.create(key(), record(now)), (e: unknown) => {
          assert.ok(e instanceof SessionStoreError);
          assert.equal(e.message, "redis: a write reached 0 of the 1 replicas asked for within 300 ms");
          return true;
        });
        assert.ok(Date.now() - started < 1000, "within the store's timeout");
        assert.deepEqual((await store.get(live, now))?.data, { a: 1 }, "a read needs no replica");
      } finally {
        monitor.stop();
        await close();
        await replica.resume();
        await link();
      }
    });
  }
});
