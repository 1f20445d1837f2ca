// The Redis store on a real Redis Cluster, through both clients: a user's
// sessions spread over every master, commands that each touch one slot,
// purge on every master, and reads that never go to a replica.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Cluster, type Redis } from "ioredis";
import { SessionStoreError } from "../src/lib/errors.js";
import { createRedisSessionStorage } from "../src/redis.js";
import { slotOf } from "../src/lib/stores/redis-client.js";
import { RedisStore, type RedisClientLike } from "../src/lib/stores/redis.js";
import { SECRET_A, cookiePair } from "./helpers.js";
import { RedisCluster, clearPrefix, clusterKeys, freshPrefix, ioredisCluster, needRedisCluster, nodeRedisCluster } from "./redis-cluster.js";

const skip = needRedisCluster();
let cluster: RedisCluster;
let clients: Record<Kind, RedisClientLike>;
let inspector: Cluster;
const closers: Array<() => Promise<unknown>> = [];
const prefixes: string[] = [];

const KINDS = ["node-redis", "ioredis"] as const;
type Kind = (typeof KINDS)[number];

before(async () => {
  if (skip) return;
  cluster = await RedisCluster.start();
  const [io, nr] = await Promise.all([ioredisCluster(cluster), nodeRedisCluster(cluster)]);
  inspector = io;
  clients = { ioredis: io, "node-redis": nr };
  closers.push(async () => io.disconnect(), () => nr.close());
});
after(async () => {
  if (cluster) for (const p of prefixes) await clearPrefix(cluster, inspector, p);
  for (const close of closers) await close().catch(() => {});
  await cluster?.close();
});

function storageOn(client: RedisClientLike, extra: { prefix?: string } = {}) {
  const prefix = extra.prefix ?? freshPrefix();
  prefixes.push(prefix);
  const storage = createRedisSessionStorage({ client, prefix, cookie: { secrets: [SECRET_A], name: "sid" }, userKey: "userId" });
  // The same key names as the storage's own store: a second store object on the same prefix.
  return { storage, prefix, store: new RedisStore({ client, prefix }) };
}

const storeKey = (id: string) => createHash("sha256").update(id).digest("base64url");

/**
 * Signs `user` in `n` times (a fresh session each), and more until a session
 * sits on each of `masters` (ids are random: 12 miss a master 1 run in 40);
 * returns the cookies and the master of each session.
 */
async function signIn(setup: ReturnType<typeof storageOn>, user: string, n: number, masters: number[] = []) {
  const out: Array<{ cookie: string; master: number }> = [];
  const covered = () => masters.every((m) => out.some((s) => s.master === m));
  for (let i = 0; i < n || (!covered() && i < 200); i++) {
    const s = await setup.storage.read(null);
    s.set("userId", user);
    s.set("n", i);
    const cookie = cookiePair(await setup.storage.save(s));
    out.push({ cookie, master: await cluster.masterOf(setup.store.keysOf(storeKey(s.id)).session) });
  }
  return out;
}

describe("redis cluster: a user's sessions across masters", { skip }, () => {
  for (const kind of KINDS) {
    test(`sessions of one user on all three masters are listed and revoked through its one index key (${kind})`, async () => {
      const setup = storageOn(clients[kind]);
      const masters = await cluster.masters();
      const signed = await signIn(setup, "U", 12, masters);
      assert.deepEqual([...new Set(signed.map((s) => s.master))].sort(), [...masters].sort(), "the sessions sit on every master");
      const other = await signIn(setup, "V", 1);
      const listed = await setup.storage.listSessions("U");
      assert.deepEqual(listed.map((x) => x.data.n).sort((a, b) => Number(a) - Number(b)), signed.map((_, i) => i));
      const keep = await setup.storage.read(signed[0]!.cookie);
      assert.equal(await setup.storage.destroyAllSessions("U", { except: keep }), signed.length - 1);
      for (const [i, s] of signed.entries()) assert.equal((await setup.storage.read(s.cookie)).isNew, i !== 0, `session ${i} on ${s.master}`);
      assert.equal((await setup.storage.read(other[0]!.cookie)).get("userId"), "V", "another user's session is untouched");
      assert.deepEqual((await setup.storage.listSessions("U")).map((x) => x.data.n), [0]);
      const indexes = (await clusterKeys(cluster, setup.prefix)).filter((k) => k.startsWith(`${setup.prefix}u:`));
      assert.equal(indexes.length, 2, "one index key per user");
    });
  }
});

describe("redis cluster: every command touches one slot", { skip }, () => {
  for (const kind of KINDS) {
    test(`logins, saves, flashes, regenerates, listings, revocations and purge send only single-slot commands (MONITOR on every node) (${kind})`, async () => {
      const setup = storageOn(clients[kind]);
      const monitors: Redis[] = [];
      const seen: Array<{ node: number; args: string[] }> = [];
      for (const port of cluster.ports) {
        const monitor = await cluster.admin(port).monitor();
        monitor.on("monitor", (_time: string, args: string[], source: string) => {
          if (source !== "lua" && args.some((a) => a.includes(setup.prefix))) seen.push({ node: port, args });
        });
        monitors.push(monitor);
      }
      try {
        const signed = await signIn(setup, "U", 6);
        const s = await setup.storage.read(signed[0]!.cookie);
        s.flash("notice", "hi");
        s.regenerateId();
        const moved = cookiePair(await setup.storage.save(s));
        assert.equal((await setup.storage.read(moved)).get("notice"), "hi");
        assert.equal((await setup.storage.listSessions("U")).length, 6);
        assert.equal(await setup.storage.destroyAllSessions("U"), 6);
        await setup.storage.purge();
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        for (const m of monitors) m.disconnect();
      }
      assert.ok(seen.length > 30, `commands seen: ${seen.length}`);
      for (const { args } of seen) {
        const name = args[0]!.toUpperCase();
        if (name === "SCAN") continue;
        if (name === "EVALSHA" || name === "EVAL") {
          assert.equal(args[2], "1", `${name} names one key`);
          continue;
        }
        const slots = new Set(args.slice(1).filter((a) => a.startsWith(setup.prefix)).map(slotOf));
        assert.equal(slots.size, 1, `one slot: ${args.join(" ").slice(0, 200)}`);
      }
      const scans = seen.filter((c) => c.args[0]!.toUpperCase() === "SCAN").map((c) => c.node);
      assert.deepEqual([...new Set(scans)].sort(), (await cluster.masters()).sort(), "purge scans every master, and only masters");
    });
  }
});

describe("redis cluster: purge", { skip }, () => {
  for (const kind of KINDS) {
    test(`purge walks every master: it drops the expired members of indexes held by each of them (${kind})`, async () => {
      const prefix = freshPrefix();
      prefixes.push(prefix);
      const store = new RedisStore({ client: clients[kind], prefix });
      const now = Date.now();
      const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
      for (const [i, user] of users.entries()) {
        const key = storeKey(`k${i}`);
        await store.create(key, { data: {}, createdAt: now, lastSeenAt: now, expiresAt: now + 60_000, userId: user });
      }
      const holders = new Set(await Promise.all(users.map((u) => cluster.masterOf(store.indexOf(u)))));
      assert.equal(holders.size, 3, "the indexes sit on every master");
      assert.equal(await store.purge(now), 0, "nothing has expired yet");
      assert.equal(await store.purge(now + 61_000), 30, "every index on every master is walked");
      assert.deepEqual(await clusterKeys(cluster, `${prefix}s:`), [], "the expired records went with their members");
    });
  }
});

describe("redis cluster: purge before the client knows the cluster", { skip }, () => {
  test("purge through an ioredis Cluster that has not connected yet fails with SessionStoreError rather than reporting nothing purged", async () => {
    const client = new Cluster(cluster.seeds, { lazyConnect: true });
    try {
      await assert.rejects(new RedisStore({ client }).purge(Date.now()), (e: unknown) => e instanceof SessionStoreError && e.message === "redis: no master to purge is known yet");
    } finally {
      client.disconnect();
    }
  });
});

describe("redis cluster: reads go to masters", { skip }, () => {
  const replicaClients = async () => {
    const io = await ioredisCluster(cluster, { scaleReads: "slave" });
    const nr = await nodeRedisCluster(cluster, { useReplicas: true });
    return { clients: { ioredis: io, "node-redis": nr } as Record<Kind, RedisClientLike>, close: async () => (io.disconnect(), await nr.close()) };
  };

  test("with ioredis scaleReads \"slave\" and node-redis useReplicas, no session read reaches a replica (MONITOR on every replica)", async () => {
    const { clients: replicaReaders, close } = await replicaClients();
    const masters = await cluster.masters();
    const replicas = cluster.ports.filter((p) => !masters.includes(p));
    const monitors: Redis[] = [];
    const reads: string[] = [];
    try {
      for (const kind of KINDS) {
        const setup = storageOn(replicaReaders[kind]);
        for (const port of replicas) {
          const monitor = await cluster.admin(port).monitor();
          monitor.on("monitor", (_t: string, args: string[], source: string) => {
            if (source !== "lua" && args.some((a) => a.includes(setup.prefix)) && /^(HGETALL|HMGET|ZRANGE|EVAL|EVALSHA|EVAL_RO)$/i.test(args[0]!)) reads.push(`${kind}: ${args[0]}`);
          });
          monitors.push(monitor);
        }
        const signed = await signIn(setup, "U", 6);
        for (const { cookie } of signed) {
          // A read right after the login: a replica may not have it yet.
          const s = await setup.storage.read(cookie);
          assert.equal(s.isNew, false, `${kind}: the session just made is read`);
          s.destroy();
          await setup.storage.save(s);
          assert.equal((await setup.storage.read(cookie)).isNew, true, `${kind}: the session just destroyed reads as gone`);
        }
        assert.deepEqual(await setup.storage.listSessions("U"), []);
        await setup.storage.purge();
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(reads, [], "no read went to a replica");
    } finally {
      for (const m of monitors) m.disconnect();
      await close();
    }
  });
});
