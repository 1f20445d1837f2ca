/**
 * How the Redis store speaks to each client it accepts: node-redis
 * `createClient()` and `createCluster()`, ioredis `new Redis()` and
 * `new Cluster()`. Only raw commands go out, each naming exactly one key, so
 * a Cluster client routes every one of them to the master of that key's slot.
 */
import { SessionConfigError, SessionStoreError } from "../errors.js";
import { READ } from "./redis-scripts.js";

/** node-redis `createCluster()` (v4+): a raw command names the key it is routed by. */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  getMasters(): unknown[];
}

/** The clients tessera speaks to. Only raw commands are used. */
export type RedisClientLike =
  | { sendCommand(args: string[]): Promise<unknown> } // node-redis createClient
  | NodeRedisClusterLike // node-redis createCluster
  | { call(command: string, ...args: string[]): Promise<unknown> }; // ioredis Redis or Cluster

/** After each write, the replicas that must have it before the write counts as done (Redis `WAIT`). */
export interface RedisDurability {
  /** How many replicas of the key's master must acknowledge the write (1 or more). */
  replicas: number;
  /** How long to wait for them (ms, 1 or more, below the store's `timeout`). */
  timeout: number;
}

/**
 * Sends one command. `signal` aborts when tessera gave up waiting (the store's
 * `timeout`): node-redis then drops the command if it is still queued while
 * the client reconnects, so a save that answered `SessionStoreError` does not
 * run once the server is back (`abortWith`). ioredis has no such thing and
 * ignores it (README: its offline queue).
 */
export type Send = (args: string[], signal?: AbortSignal) => Promise<unknown>;

export interface RedisConnection {
  /** Sends a command that only reads. */
  read: Send;
  /** Sends a command that may write (followed by `WAIT` when durability asks for it). */
  write: Send;
  /** A sender per master, for the commands that walk a node's own keys (SCAN); a lone server is its own master. */
  masters(): Promise<Send[]>;
  /**
   * True when a command sent now may wait in the client's offline queue, so
   * that it is worth an abort signal (an AbortController costs about 2 us): a
   * node-redis client that is not ready, and always a node-redis Cluster,
   * whose nodes reconnect on their own. Never for ioredis, which cannot abort.
   */
  mayQueue(): boolean;
}

/** The key a Cluster routes a command by: the script's only key, or the command's first argument. */
const routingKey = (args: string[]): string | undefined => (args[0] === "EVALSHA" || args[0] === "EVAL" ? args[3] : args[1]);

type Fn = (...args: unknown[]) => unknown;
type IoredisLike = { call(command: string, args: string[]): Promise<unknown>; pipeline(): IoredisPipeline };
type IoredisPipeline = { call(command: string, args: string[]): IoredisPipeline; exec(): Promise<Array<[Error | null, unknown]> | null> };
/** node-redis's options of one command, for an abort signal: v5 and later read `abortSignal`, v4 `signal`. */
type NodeRedisOptions = { abortSignal: AbortSignal; signal: AbortSignal };
const abortWith = (signal: AbortSignal | undefined): NodeRedisOptions | undefined => signal && { abortSignal: signal, signal };
type NodeRedisNode = { sendCommand(args: string[], options?: NodeRedisOptions): Promise<unknown> };

/** Recognises `client` and returns how to send commands through it; a `SessionConfigError` for anything else. */
export function connectRedis(client: unknown, durability: RedisDurability | undefined, describe: (v: unknown) => string): RedisConnection {
  const c = client as Record<string, unknown> | undefined;
  // ioredis first: it has a sendCommand too, but one that takes its own Command objects.
  if (c && typeof c.call === "function") return ioredis(c, durability);
  if (c && typeof c.sendCommand === "function" && typeof c.getMasters === "function") return nodeRedisCluster(c, durability);
  if (c && typeof c.sendCommand === "function") return nodeRedis(c, durability);
  const what = typeof client === "object" && client !== null && !Array.isArray(client) ? "an object without call() or sendCommand()" : describe(client);
  throw new SessionConfigError(
    `option client is invalid: ${what}; pass a connected node-redis (createClient, createCluster) or ioredis (new Redis(), new Cluster()) client`,
  );
}

function acknowledged(acks: unknown, durability: RedisDurability): void {
  if (Number(acks) >= durability.replicas) return;
  throw new SessionStoreError(`redis: a write reached ${Number(acks)} of the ${durability.replicas} replicas asked for within ${durability.timeout} ms`);
}

function ioredis(c: Record<string, unknown>, durability: RedisDurability | undefined): RedisConnection {
  const io = c as unknown as IoredisLike;
  // The arguments go as one array (ioredis flattens it): spreading 20,000 of them into a call could overflow the stack.
  const send: Send = (args) => io.call(args[0]!, args.slice(1));
  const cluster = c.isCluster === true;
  const scaleReads = cluster ? ((c.options as { scaleReads?: unknown } | undefined)?.scaleReads ?? "master") : "master";
  // A replica may not have seen the last login or logout yet: a script is never sent to one, so reads ride in a script.
  const read: Send = scaleReads === "master" ? send : (args) => io.call("EVAL", [READ, "1", args[1]!, args[0]!, ...args.slice(2)]);
  let write = send;
  if (durability) {
    const wait = [String(durability.replicas), String(durability.timeout)];
    // One pipeline: WAIT goes on the connection that carried the write, which on a Cluster is the one of the key's master.
    write = async (args) => {
      const replies = await io.pipeline().call(args[0]!, args.slice(1)).call("WAIT", wait).exec();
      const [[error, reply], [waitError, acks]] = replies as [[Error | null, unknown], [Error | null, unknown]];
      if (error) throw error;
      if (waitError) throw waitError;
      acknowledged(acks, durability);
      return reply;
    };
  }
  const masters = cluster
    ? async () => ((c.nodes as Fn).call(c, "master") as IoredisLike[]).map((node): Send => (args) => node.call(args[0]!, args.slice(1)))
    : async () => [send];
  return { read, write, masters, mayQueue: () => false };
}

function nodeRedis(c: Record<string, unknown>, durability: RedisDurability | undefined): RedisConnection {
  const sendCommand = c.sendCommand as (args: string[], options?: NodeRedisOptions) => Promise<unknown>;
  const send: Send = (args, signal) => sendCommand.call(c, args, abortWith(signal));
  let write = send;
  if (durability) {
    const wait = ["WAIT", String(durability.replicas), String(durability.timeout)];
    // Sent in the same tick, WAIT follows the write on the same connection: no extra round trip.
    write = async (args, signal) => {
      const [reply, acks] = await Promise.all([send(args, signal), send(wait, signal)]);
      acknowledged(acks, durability);
      return reply;
    };
  }
  return { read: send, write, masters: async () => [send], mayQueue: () => c.isReady !== true };
}

function nodeRedisCluster(c: Record<string, unknown>, durability: RedisDurability | undefined): RedisConnection {
  const sendCommand = c.sendCommand as (firstKey: string | undefined, isReadonly: boolean, args: string[], options?: NodeRedisOptions) => Promise<unknown>;
  // Never "read-only": with useReplicas a read could go to a replica that has not yet seen the last login or logout.
  const send: Send = (args, signal) => sendCommand.call(c, routingKey(args), false, args, abortWith(signal));
  const nodeClient = async (node: unknown): Promise<NodeRedisNode> =>
    typeof c.nodeClient === "function" ? ((await (c.nodeClient as Fn).call(c, node)) as NodeRedisNode) : (node as { client: NodeRedisNode }).client;
  let write = send;
  if (durability) {
    const wait = ["WAIT", String(durability.replicas), String(durability.timeout)];
    // The cluster client would send WAIT to every master: it goes, after the write, to the connection of the key's master.
    write = async (args, signal) => {
      const reply = await send(args, signal);
      const master = await nodeClient((c.getSlotMaster as Fn).call(c, slotOf(routingKey(args)!)));
      acknowledged(await master.sendCommand(wait, abortWith(signal)), durability);
      return reply;
    };
  }
  const masters = async () => {
    const nodes = (c.masters as unknown[] | undefined) ?? ((c.getMasters as Fn).call(c) as unknown[]);
    return Promise.all(nodes.map(async (node): Promise<Send> => {
      const client = await nodeClient(node);
      return (args, signal) => client.sendCommand(args, abortWith(signal));
    }));
  };
  return { read: send, write, masters, mayQueue: () => true };
}

/** The Cluster hash slot of `key`: CRC16 (XMODEM) of its hash tag, or of the whole key when it has none. */
export function slotOf(key: string): number {
  let bytes = Buffer.from(key);
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
