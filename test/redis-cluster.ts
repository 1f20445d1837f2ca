// A real Redis Cluster of a test file's own on 127.0.0.1: six redis-server
// processes (three masters, three replicas) on free ports, each in its own
// temp dir, that the test may stop one by one to cause a failover. The shared
// server on 6379 is never touched.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { Cluster, Redis } from "ioredis";
import { createCluster } from "redis";
import { RedisStore, type RedisClientLike, type RedisStoreOptions } from "../src/lib/stores/redis.js";
import type { StoreFactory } from "./conformance.js";
import { freePort } from "./helpers.js";

/** `false` when a cluster can be started; a skip reason otherwise (a failure under CI=true). */
export function needRedisCluster(): false | string {
  const missing = ["redis-server", "redis-cli"].filter((bin) => spawnSync(bin, ["--version"]).status !== 0);
  if (missing.length === 0) return false;
  const line = `Redis Cluster tests need ${missing.join(" and ")}, which is not installed`;
  if (process.env.CI === "true") throw new Error(`${line}, and CI=true requires it`);
  console.log(`# skipped: ${line}`);
  return line;
}

/** How long a master may be silent before its replica takes over (ms): short, so a failover test is quick. */
export const NODE_TIMEOUT = 1000;

interface Node {
  port: number;
  dir: string;
  child: ChildProcess;
}

/** Every child of every cluster this process started, stopped even if the test process exits early. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
});

export class RedisCluster {
  readonly #nodes: Node[];
  #admin = new Map<number, Redis>();

  private constructor(nodes: Node[]) {
    this.#nodes = nodes;
  }

  /** Starts six nodes, joins them (one replica per master) and waits until every node reports the cluster ok. */
  static async start(): Promise<RedisCluster> {
    // Twelve distinct ports (a client port and a bus port per node), picked one after the other:
    // ports picked at the same time can be the same.
    const ports = new Set<number>();
    while (ports.size < 12) ports.add(await freePort());
    const list = [...ports];
    const started = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => startNode(list[2 * i]!, list[2 * i + 1]!)));
    const nodes = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const cluster = new RedisCluster(nodes);
    const failed = started.find((r) => r.status === "rejected");
    if (failed) {
      await cluster.close();
      throw (failed as PromiseRejectedResult).reason;
    }
    try {
      const created = spawnSync(
        "redis-cli",
        ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "1", "--cluster-yes"],
        { encoding: "utf8", timeout: 60_000 },
      );
      if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
      await cluster.waitUntilOk();
      // A replica that has replicated nothing yet is left out of CLUSTER SLOTS, so a client would not see it:
      // a FLUSHALL on each master moves every replication offset.
      await Promise.all((await cluster.masters()).map((port) => cluster.admin(port).call("FLUSHALL")));
      await cluster.#waitForReplicasListed();
      return cluster;
    } catch (error) {
      await cluster.close();
      throw error;
    }
  }

  /** The port of every node started, stopped or not. */
  get ports(): number[] {
    return this.#nodes.map((n) => n.port);
  }

  /** Seed nodes for a client, as `{ host, port }`. */
  get seeds(): Array<{ host: string; port: number }> {
    return this.ports.map((port) => ({ host: "127.0.0.1", port }));
  }

  #live(): Node[] {
    return this.#nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
  }

  /** A plain connection to one node, for looking at it (never for the store under test). */
  admin(port: number): Redis {
    let r = this.#admin.get(port);
    if (!r) {
      r = new Redis({ host: "127.0.0.1", port, lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
      r.on("error", () => {});
      this.#admin.set(port, r);
    }
    return r;
  }

  /** The port of each live master, from a live node's view of the cluster. */
  async masters(): Promise<number[]> {
    const lines = String(await this.admin(this.#live()[0]!.port).call("CLUSTER", "NODES")).trim().split("\n");
    return lines
      .map((l) => l.split(" "))
      .filter((f) => f[2]!.split(",").includes("master") && !f[2]!.includes("fail") && f.length > 8)
      .map((f) => Number(f[1]!.split(":")[1]!.split("@")[0]));
  }

  /** The port of the master that serves `key` now. */
  async masterOf(key: string): Promise<number> {
    const admin = this.admin(this.#live()[0]!.port);
    const slot = Number(await admin.call("CLUSTER", "KEYSLOT", key));
    const ranges = (await admin.call("CLUSTER", "SLOTS")) as Array<[number, number, [string, number]]>;
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no node serves slot ${slot}`);
    return Number(range[2][1]);
  }

  /** Waits until every live node reports `cluster_state:ok` and has as many masters serving slots as `masters`. */
  async waitUntilOk(timeoutMs = 30_000, masters = 3): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(this.#live().map((n) => this.admin(n.port).call("CLUSTER", "INFO").then(String, () => "")));
      const ok = states.every((s) => /cluster_state:ok/.test(s) && new RegExp(`cluster_size:${masters}\\b`).test(s));
      if (ok && (await this.masters().catch(() => [])).length === masters && (await this.#replicasInSync())) return;
      if (Date.now() > deadline) throw new Error(`the cluster is not ok after ${timeoutMs} ms: ${states.join(" | ").replace(/\r?\n/g, " ")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async #waitForReplicasListed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(this.#live().map((n) => this.admin(n.port).call("CLUSTER", "SLOTS").catch(() => []) as Promise<unknown[][]>));
      if (views.every((ranges) => ranges.length === 3 && ranges.every((r) => r.length === 4))) return;
      if (Date.now() > deadline) throw new Error(`CLUSTER SLOTS does not list every replica after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Every live replica has finished its first sync (so a failover has something to promote). */
  async #replicasInSync(): Promise<boolean> {
    const infos = await Promise.all(this.#live().map((n) => this.admin(n.port).call("INFO", "replication").then(String, () => "")));
    return infos.every((i) => !/role:slave/.test(i) || /master_link_status:up/.test(i));
  }

  /** Stops one node by its own pid (SIGTERM: a clean shutdown; SIGKILL: a crash) and waits for it to exit. */
  async stop(port: number, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const node = this.#nodes.find((n) => n.port === port);
    if (!node || node.child.exitCode !== null || node.child.signalCode !== null) return;
    this.#admin.get(port)?.disconnect();
    this.#admin.delete(port);
    const exited = once(node.child, "exit");
    process.kill(node.child.pid!, signal);
    await exited;
    running.delete(node.child);
  }

  /** Waits until a replica has replaced `port` as a master and the cluster is ok again. */
  async waitForFailover(port: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.masters().catch(() => [port])).every((p) => p !== port) || (await this.masters().catch(() => [])).length < 3) {
      if (Date.now() > deadline) throw new Error(`no replica took over from ${port} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.waitUntilOk(Math.max(1000, deadline - Date.now()));
  }

  /** Stops every node (by pid) and removes their temp dirs. */
  async close(): Promise<void> {
    for (const r of this.#admin.values()) r.disconnect();
    this.#admin.clear();
    await Promise.all(this.#nodes.map((n) => this.stop(n.port, "SIGKILL")));
    await Promise.all(this.#nodes.map((n) => rm(n.dir, { recursive: true, force: true })));
  }
}

async function startNode(port: number, bus: number): Promise<Node> {
  const dir = await mkdtemp(join(tmpdir(), "tessera-cluster-"));
  const args = [
    "--port", String(port), "--cluster-port", String(bus), "--bind", "127.0.0.1",
    "--cluster-enabled", "yes", "--cluster-config-file", join(dir, "nodes.conf"), "--cluster-node-timeout", String(NODE_TIMEOUT),
    "--dir", dir, "--save", "", "--appendonly", "no", "--loglevel", "warning",
    // A replica syncs at once rather than after the default five seconds of waiting for others.
    "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
  ];
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let log = "";
  const keep = (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-4000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const probe = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => {});
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${log}`);
      if (await probe.connect().then(() => probe.ping(), () => null)) break;
      if (i > 100) throw new Error(`redis-server on ${port} did not start: ${log}`);
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    if (child.exitCode === null) {
      const exited = once(child, "exit");
      process.kill(child.pid!, "SIGKILL");
      await exited;
    }
    running.delete(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  } finally {
    probe.disconnect();
  }
  return { port, dir, child };
}

/** An ioredis Cluster on `cluster`, connected. */
export async function ioredisCluster(cluster: RedisCluster, options: ConstructorParameters<typeof Cluster>[1] = {}): Promise<Cluster> {
  const client = new Cluster(cluster.seeds, { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 }, ...options });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** A node-redis cluster (createCluster) on `cluster`, connected. */
export async function nodeRedisCluster(cluster: RedisCluster, options: Partial<Parameters<typeof createCluster>[0]> = {}) {
  const client = createCluster({
    rootNodes: cluster.seeds.map((s) => ({ socket: s })),
    defaults: { socket: { reconnectStrategy: () => 100 } },
    ...options,
  });
  client.on("error", () => {});
  await client.connect();
  return client;
}

export type ClusterClient = Cluster | Awaited<ReturnType<typeof nodeRedisCluster>>;

/** Every key under `prefix` on every master (test code may SCAN; the store does only in purge). */
export async function clusterKeys(cluster: RedisCluster, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const port of await cluster.masters()) {
    const node = cluster.admin(port);
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`, "COUNT", 500);
      cursor = next;
      out.push(...keys);
    } while (cursor !== "0");
  }
  return out;
}

/** Deletes every key under `prefix`, one DEL per key (they sit in different slots). */
export async function clearPrefix(cluster: RedisCluster, inspector: Cluster, prefix: string): Promise<void> {
  await Promise.all((await clusterKeys(cluster, prefix)).map((k) => inspector.del(k)));
}

/** A fresh key prefix for one test. */
export const freshPrefix = (tag = "tessera-test") => `${tag}:${randomBytes(6).toString("hex")}:`;

/** A store on `client` under a fresh prefix, for the conformance suite, cleaned up on close. */
export function clusterFactory(cluster: () => RedisCluster, client: () => RedisClientLike, inspector: () => Cluster, options: Partial<RedisStoreOptions> = {}): StoreFactory {
  return async () => {
    const prefix = freshPrefix();
    const store = new RedisStore({ ...options, client: client(), prefix });
    return {
      store,
      async dump() {
        const keys = await clusterKeys(cluster(), prefix);
        const parts = await Promise.all(
          keys.map(async (k) => `${k} ${JSON.stringify((await inspector().type(k)) === "zset" ? await inspector().zrange(k, "0", "-1") : await inspector().hgetall(k))}`),
        );
        return parts.join("\n");
      },
      close: () => clearPrefix(cluster(), inspector(), prefix),
    };
  };
}

/**
 * A cluster and a client of each library on it, started before the calling
 * file's tests and stopped after them (nothing when `skip`): read them inside tests.
 */
export function clusterWithClients(skip: false | string) {
  const live = {} as { cluster: RedisCluster; ioredis: Cluster; nodeRedis: Awaited<ReturnType<typeof nodeRedisCluster>> };
  before(async () => {
    if (skip) return;
    live.cluster = await RedisCluster.start();
    [live.ioredis, live.nodeRedis] = await Promise.all([ioredisCluster(live.cluster), nodeRedisCluster(live.cluster)]);
  });
  after(async () => {
    live.ioredis?.disconnect();
    await live.nodeRedis?.close().catch(() => {});
    await live.cluster?.close();
  });
  return live;
}
