import { SessionConfigError } from "../errors.js";
import { connectRedis, type RedisClientLike, type RedisDurability } from "./redis-client.js";
import { RedisCommands } from "./redis-commands.js";

/** The options every Redis-backed store of tessera's takes. */
export interface RedisConnectionOptions {
  client: RedisClientLike;
  prefix?: string | undefined;
  timeout?: number | undefined;
  durability?: RedisDurability | undefined;
}

/** The commands of a store made with `options`, once each option is checked; a `SessionConfigError` otherwise. */
export function redisCommandsOf(options: RedisConnectionOptions): RedisCommands {
  const { client, prefix = "tessera:", timeout = 2000, durability } = (options ?? {}) as Partial<RedisConnectionOptions>;
  const connection = connectRedis(client, durability, describe);
  checkPrefix(prefix);
  checkTimeout(timeout);
  if (durability !== undefined) checkDurability(durability, timeout);
  return new RedisCommands(connection, prefix, timeout);
}

/** The store's `timeout`, once it is a whole number of milliseconds setTimeout can wait; a `SessionConfigError` otherwise. */
export function checkTimeout(timeout: unknown): number {
  if (!Number.isInteger(timeout) || (timeout as number) < 1 || (timeout as number) > 2_147_483_647) {
    throw new SessionConfigError(`option timeout is invalid: ${describe(timeout)}; use a whole number of milliseconds from 1 to 2147483647`);
  }
  return timeout as number;
}

export function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== "string") throw new SessionConfigError(`option prefix is invalid: ${describe(prefix)}; use a string such as "tessera:"`);
  return prefix;
}

export function checkDurability(durability: unknown, timeout: number): void {
  const d = durability as Partial<RedisDurability> | null;
  const fix = `use { replicas: 1, timeout: 100 }: a whole number of replicas from 1, and of milliseconds from 1 to below the store's timeout (${timeout})`;
  if (typeof d !== "object" || d === null) throw new SessionConfigError(`option durability is invalid: ${describe(durability)}; ${fix}`);
  if (!Number.isInteger(d.replicas) || d.replicas! < 1 || d.replicas! > 1000) {
    throw new SessionConfigError(`option durability.replicas is invalid: ${describe(d.replicas)}; ${fix}`);
  }
  if (!Number.isInteger(d.timeout) || d.timeout! < 1 || d.timeout! >= timeout) {
    throw new SessionConfigError(`option durability.timeout is invalid: ${describe(d.timeout)}; ${fix}`);
  }
}

/** An option's value for an error message: primitives as written, anything else by its kind only. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}
