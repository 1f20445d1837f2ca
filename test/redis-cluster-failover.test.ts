// Failover on a real Redis Cluster: a master stops while both clients read
// and save; every call answers or fails with SessionStoreError in bounded
// time, the same clients serve again once a replica took over, and nothing
// destroyed comes back. Then the `durability` option (WAIT) on the same cluster.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Cluster } from "ioredis";
import { SessionStoreError } from "../src/lib/errors.js";
import type { IdSessionStorage } from "../src/lib/engine/id-storage.js";
import { createRedisSessionStorage } from "../src/redis.js";
import { RedisStore, type RedisClientLike, type RedisDurability } from "../src/lib/stores/redis.js";
import { SECRET_A, cookiePair } from "./helpers.js";
import { RedisCluster, clearPrefix, freshPrefix, ioredisCluster, needRedisCluster, nodeRedisCluster } from "./redis-cluster.js";

const skip = needRedisCluster();
const KINDS = ["node-redis", "ioredis"] as const;
type Kind = (typeof KINDS)[number];
/** The store's command timeout in these tests (ms), and how much later than it a call may answer. */
const TIMEOUT = 1000;
const SLACK = 250;

let cluster: RedisCluster;
let clients: Record<Kind, RedisClientLike>;
let inspector: Cluster;
const closers: Array<() => unknown> = [];
const prefixes: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => void unhandled.push(e);

before(async () => {
  if (skip) return;
  process.on("unhandledRejection", onUnhandled);
  cluster = await RedisCluster.start();
  const [io, nr] = await Promise.all([ioredisCluster(cluster), nodeRedisCluster(cluster)]);
  inspector = await ioredisCluster(cluster);
  clients = { ioredis: io, "node-redis": nr };
  closers.push(() => io.disconnect(), () => nr.close(), () => inspector.disconnect());
});
after(async () => {
  process.off("unhandledRejection", onUnhandled);
  if (cluster) for (const p of prefixes) await clearPrefix(cluster, inspector, p).catch(() => {});
  for (const close of closers) await Promise.resolve(close()).catch(() => {});
  await cluster?.close();
});

const storeKey = (id: string) => createHash("sha256").update(id).digest("base64url");

function storageOn(kind: Kind, durability?: RedisDurability) {
  const prefix = freshPrefix();
  prefixes.push(prefix);
  const options = { client: clients[kind], prefix, timeout: TIMEOUT, ...(durability ? { durability } : {}) };
  const storage = createRedisSessionStorage({ ...options, cookie: { secrets: [SECRET_A], name: "sid" }, userKey: "userId" });
  return { storage, store: new RedisStore(options), kind };
}

interface Tracked {
  cookie: string;
  master: number;
  /** The last value a save acknowledged, and every value a save attempted since. */
  acked: number;
  attempted: Set<number>;
}

/**
 * At least `n` signed-in sessions made through `setup`, each with `v: 0`, and the master each sits
 * on; more are made until `least` of them sit on master `on` (ids are random, so where they land is too).
 */
async function sessions(setup: ReturnType<typeof storageOn>, n: number, on = -1, least = 0): Promise<Tracked[]> {
  const out: Tracked[] = [];
  while (out.length < n || out.filter((t) => t.master === on).length < least) {
    const s = await setup.storage.read(null);
    s.set("userId", `${setup.kind}-user`);
    s.set("v", 0);
    const cookie = cookiePair(await setup.storage.save(s));
    out.push({ cookie, master: await cluster.masterOf(setup.store.keysOf(storeKey(s.id)).session), acked: 0, attempted: new Set() });
  }
  return out;
}

/** A call's outcome: its value, or a SessionStoreError; anything else, or an answer later than the timeout allows, fails the test. */
async function bounded<T>(what: string, call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  const started = Date.now();
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    assert.ok(error instanceof SessionStoreError, `${what}: ${String(error)}`);
    return { ok: false };
  } finally {
    const took = Date.now() - started;
    assert.ok(took <= TIMEOUT + SLACK, `${what} answered after ${took} ms`);
  }
}

/** A read of a live session must show its data as saved (or as a save that failed may have left it), never a fresh session. */
function checkRead(what: string, t: Tracked, s: { isNew: boolean; get(k: string): unknown }): void {
  assert.equal(s.isNew, false, `${what}: a live session never reads as fresh`);
  const v = s.get("v") as number;
  assert.ok(v === t.acked || (v > t.acked && t.attempted.has(v)), `${what}: v ${v}, acknowledged ${t.acked}`);
}

/** One worker: read, change and save its own sessions in turn until `done()`. */
async function worker(storage: IdSessionStorage, own: Tracked[], gone: string[], done: () => boolean, tally: { ok: number; failed: number }, label: string) {
  let counter = 0;
  while (!done()) {
    for (const t of own) {
      const read = await bounded(`${label} read`, () => storage.read(t.cookie));
      if (!read.ok) {
        tally.failed++;
        continue;
      }
      checkRead(`${label} read`, t, read.value);
      const v = ++counter * 1000 + own.indexOf(t);
      t.attempted.add(v);
      read.value.set("v", v);
      const saved = await bounded(`${label} save`, () => storage.save(read.value));
      if (saved.ok) {
        t.acked = v;
        t.attempted = new Set([...t.attempted].filter((x) => x > v));
        tally.ok++;
      } else tally.failed++;
    }
    for (const cookie of gone) {
      const read = await bounded(`${label} read of a destroyed session`, () => storage.read(cookie));
      if (read.ok) assert.equal(read.value.isNew, true, `${label}: a destroyed session never comes back`);
    }
  }
}

describe("redis cluster: failover", { skip }, () => {
  test("a master stopped during reads and saves: every call answers or fails with SessionStoreError in bounded time, the same clients serve again once a replica took over, nothing destroyed comes back (both clients)", { timeout: 60_000 }, async () => {
    const victim = (await cluster.masters())[0]!;
    const runs = await Promise.all(
      KINDS.map(async (kind) => {
        const setup = storageOn(kind);
        const all = await sessions(setup, 14, victim, 3);
        const gone: string[] = [];
        for (const t of await sessions(setup, 4)) {
          const s = await setup.storage.read(t.cookie);
          s.destroy();
          await setup.storage.save(s);
          gone.push(t.cookie);
        }
        return { kind, setup, live: all, gone, tally: { ok: 0, failed: 0 } };
      }),
    );
    let stop = false;
    const workers = runs.flatMap((r) =>
      [0, 1, 2].map((w) => worker(r.setup.storage, r.live.filter((_, i) => i % 3 === w), r.gone, () => stop, r.tally, `${r.kind} worker ${w}`)),
    );
    const running = Promise.all(workers);
    try {
      await new Promise((r) => setTimeout(r, 300));
      await cluster.stop(victim, "SIGTERM");
      const stopped = Date.now();
      await cluster.waitForFailover(victim);
      const promoted = Date.now();
      // The same client objects, never restarted: each must read every session of the old master again.
      await Promise.all(
        runs.map(async (r) => {
          const deadline = Date.now() + 20_000;
          for (const t of r.live.filter((x) => x.master === victim)) {
            for (;;) {
              const read = await bounded(`${r.kind} read after the failover`, () => r.setup.storage.read(t.cookie));
              if (read.ok) break;
              assert.ok(Date.now() < deadline, `${r.kind}: serves again within 20 s of the promotion`);
              await new Promise((res) => setTimeout(res, 100));
            }
          }
          console.log(`${r.kind}: a replica took over ${promoted - stopped} ms after the stop; this client served it ${Date.now() - promoted} ms later`);
        }),
      );
    } finally {
      stop = true;
      await running;
    }
    for (const r of runs) console.log(`${r.kind}: ${r.tally.ok} saves acknowledged, ${r.tally.failed} calls failed during the run`);
    for (const r of runs) {
      for (const t of r.live) checkRead(`${r.kind} final read`, t, await r.setup.storage.read(t.cookie));
      for (const cookie of r.gone) assert.equal((await r.setup.storage.read(cookie)).isNew, true, `${r.kind}: destroyed sessions stay destroyed`);
      assert.equal((await r.setup.storage.listSessions(`${r.kind}-user`)).length, r.live.length, `${r.kind}: the user index lists every live session`);
      assert.equal(await r.setup.storage.purge(), 0, `${r.kind}: purge walks the masters as they are after the failover`);
    }
    assert.deepEqual(unhandled, [], "no unhandled rejection");
  });
});

/** Masters with and without a live replica right now. */
async function replication(): Promise<{ covered: number[]; bare: number[] }> {
  const covered: number[] = [];
  const bare: number[] = [];
  for (const port of await cluster.masters()) {
    const info = String(await cluster.admin(port).call("INFO", "replication"));
    (/connected_slaves:0\b/.test(info) ? bare : covered).push(port);
  }
  return { covered, bare };
}

describe("redis cluster: durability (WAIT)", { skip }, () => {
  const durability = { replicas: 1, timeout: 300 };

  test("with durability { replicas: 1 }, sessions whose writes were acknowledged just before their master crashed (SIGKILL) are all served by the promoted replica (both clients)", { timeout: 60_000 }, async () => {
    const victim = (await replication()).covered[0]!;
    const now = Date.now();
    const made = await Promise.all(
      KINDS.map(async (kind) => {
        const setup = storageOn(kind, durability);
        // Keys on the victim's slots only: a master without a replica elsewhere would refuse every durable write.
        const keys: string[] = [];
        while (keys.length < 12) {
          const key = storeKey(`${kind}${Math.random()}`);
          if ((await cluster.masterOf(setup.store.keysOf(key).session)) === victim) keys.push(key);
        }
        await Promise.all(keys.map((key, n) => setup.store.create(key, { data: { n }, createdAt: now, lastSeenAt: now, expiresAt: now + 600_000 })));
        // A burst of saves, the last acknowledged right before the crash.
        const saved = await Promise.all(keys.map((key, n) => setup.store.update(key, { clear: false, set: { n: n + 100 }, unset: [], lastSeenAt: now, expiresAt: now + 600_000 }, now)));
        assert.deepEqual(saved, keys.map(() => true));
        return { setup, keys };
      }),
    );
    await cluster.stop(victim, "SIGKILL");
    await cluster.waitForFailover(victim);
    for (const { setup, keys } of made) {
      for (const [n, key] of keys.entries()) {
        let record: { data: Record<string, unknown> } | null | undefined;
        for (let i = 0; i < 100 && record === undefined; i++) {
          record = await setup.store.get(key, now).catch(() => new Promise<undefined>((r) => setTimeout(r, 100)));
        }
        assert.deepEqual(record?.data, { n: n + 100 }, `${setup.kind}: a save WAIT confirmed survives the crash of its master`);
      }
    }
  });

  for (const kind of KINDS) {
    test(`with durability, a write whose master has no live replica fails with SessionStoreError after the WAIT timeout, naming no host; without it the write succeeds (${kind})`, async () => {
      let { bare } = await replication();
      if (bare.length === 0) {
        // Stop one replica, so that its master has none.
        const masters = await cluster.masters();
        await cluster.stop(cluster.ports.find((p) => !masters.includes(p))!, "SIGKILL");
        for (let i = 0; i < 100 && bare.length === 0; i++) ({ bare } = await replication());
      }
      const master = bare[0]!;
      const durable = storageOn(kind, durability);
      const plain = new RedisStore({ client: clients[kind], prefix: freshPrefix() });
      let key: string;
      do key = storeKey(String(Math.random()));
      while ((await cluster.masterOf(durable.store.keysOf(key).session)) !== master);
      const now = Date.now();
      const record = { data: { a: 1 }, createdAt: now, lastSeenAt: now, expiresAt: now + 60_000 };
      const started = Date.now();
      await assert.rejects(durable.store.create(key, record), (e: unknown) => {
        assert.ok(e instanceof SessionStoreError);
        assert.equal(e.message, "redis: a write reached 0 of the 1 replicas asked for within 300 ms");
        return true;
      });
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < TIMEOUT, `failed after the WAIT timeout, before the command timeout (${took} ms)`);
      assert.deepEqual((await durable.store.get(key, now))?.data, { a: 1 }, "the master kept the write it could not confirm, and reads need no replica");
      await plain.create(key, record);
      assert.deepEqual((await plain.get(key, now))?.data, { a: 1 });
      await plain.delete(key);
    });
  }
});
