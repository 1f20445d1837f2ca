import { createHash } from "node:crypto";
import { SessionStoreError } from "../errors.js";
import { putOwn } from "../own.js";
import { bounded } from "./bounded.js";
import { STORE_KEY, type SessionPatch, type SessionRecord, type SessionStore } from "./store.js";

/** The two clients tessera speaks to: node-redis (v4+) and ioredis. Only raw commands are used. */
export type RedisClientLike =
  | { sendCommand(args: string[]): Promise<unknown> } // node-redis
  | { call(command: string, ...args: string[]): Promise<unknown> }; // ioredis

export interface RedisStoreOptions {
  /** Your connected client: `createClient()` from `redis`, or `new Redis()` from `ioredis`. */
  client: RedisClientLike;
  /** Prefix of every key. Default `"tessera:"`. */
  prefix?: string;
  /** A command that takes longer fails with `SessionStoreError` (ms). Default 2000. */
  timeout?: number;
}

/**
 * A session is one hash: `d:<key>` fields hold JSON values, `m:*` fields the
 * times and owner. Every key of a session sits in one hash slot (`{...}` tag),
 * and no script touches two, so the store works on Redis Cluster too.
 */
const UPDATE = `
local e = redis.call('HGET', KEYS[1], 'm:e')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return 0 end
if ARGV[3] == '1' then
  local fields = redis.call('HKEYS', KEYS[1])
  for _, f in ipairs(fields) do
    if string.sub(f, 1, 2) == 'd:' then redis.call('HDEL', KEYS[1], f) end
  end
end
local n = tonumber(ARGV[7])
local i = 8
for _ = 1, n do redis.call('HDEL', KEYS[1], ARGV[i]); i = i + 1 end
while i <= #ARGV do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]); i = i + 2 end
redis.call('HSET', KEYS[1], 'm:l', ARGV[4], 'm:e', ARGV[5])
if ARGV[6] == '-' then redis.call('HDEL', KEYS[1], 'm:u')
elseif ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'm:u', string.sub(ARGV[6], 2)) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1}
`;

const CREATE = `
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

const TOUCH = `
local e = redis.call('HGET', KEYS[1], 'm:e')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'm:l', ARGV[3], 'm:e', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

const TAKE = `
local e = redis.call('HGET', KEYS[1], 'm:e')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return 0 end
local taken = {}
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v then
    redis.call('HDEL', KEYS[1], ARGV[i])
    taken[#taken + 1] = ARGV[i]
    taken[#taken + 1] = v
  end
end
return taken
`;

const sha1 = (script: string) => createHash("sha1").update(script).digest("hex");

/**
 * Sessions in Redis, through your own node-redis or ioredis client. Expiry is
 * the key's TTL, set with the write and refreshed by a touch; per-key updates
 * run server-side in one Lua script (one round trip, no read-modify-write from
 * Node); a user's sessions are a set per user, read without KEYS or SCAN.
 */
export class RedisStore implements SessionStore {
  private readonly send: (args: string[]) => Promise<unknown>;
  private readonly prefix: string;
  private readonly timeout: number;

  constructor(options: RedisStoreOptions) {
    const client = options?.client as Record<string, unknown> | undefined;
    // ioredis first: it has a sendCommand too, but one that takes its own Command objects.
    if (client && typeof client.call === "function") {
      this.send = ([command, ...args]) => (client.call as (c: string, ...a: string[]) => Promise<unknown>).call(client, command!, ...args);
    } else if (client && typeof client.sendCommand === "function") {
      this.send = (args) => (client.sendCommand as (a: string[]) => Promise<unknown>).call(client, args);
    } else {
      throw new TypeError("createRedisSessionStorage needs { client }: a connected node-redis (createClient) or ioredis client");
    }
    this.prefix = options.prefix ?? "tessera:";
    this.timeout = options.timeout ?? 2000;
  }

  /** One command, bounded in time; any failure is a `SessionStoreError`. */
  private run(args: string[]): Promise<unknown> {
    return bounded("redis", this.timeout, this.send(args));
  }

  /** EVALSHA, loading the script on the first NOSCRIPT. */
  private async script(source: string, key: string, args: string[]): Promise<unknown> {
    try {
      return await this.run(["EVALSHA", sha1(source), "1", key, ...args]);
    } catch (error) {
      if (!/NOSCRIPT/.test((error as Error).message)) throw error;
      return this.run(["EVAL", source, "1", key, ...args]);
    }
  }

  private sessionKey(key: string): string {
    if (typeof key !== "string" || !STORE_KEY.test(key)) throw new SessionStoreError("redis store: refused a malformed key");
    return `${this.prefix}s:{${key}}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}u:{${createHash("sha256").update(userId).digest("base64url")}}`;
  }

  /** The raw key names (for tests and tools). */
  keysOf(key: string): { session: string } {
    return { session: this.sessionKey(key) };
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    return parseHash((await this.run(["HGETALL", this.sessionKey(key)])) as HashReply, now);
  }

  async create(key: string, record: SessionRecord): Promise<void> {
    const ttl = String(Math.max(1, record.expiresAt - record.lastSeenAt));
    const args = [ttl, "m:c", String(record.createdAt), "m:l", String(record.lastSeenAt), "m:e", String(record.expiresAt)];
    if (record.userId !== undefined) args.push("m:u", record.userId);
    for (const [field, value] of Object.entries(record.data)) args.push(`d:${field}`, JSON.stringify(value));
    // The data and its TTL in one script (atomic); the user index beside it, sent in the
    // same tick, so one round trip (node-redis pipelines a tick's commands; ioredis writes at once).
    await Promise.all([
      this.script(CREATE, this.sessionKey(key), args),
      record.userId !== undefined ? this.run(["SADD", this.userKey(record.userId), key]) : undefined,
    ]);
  }

  async update(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    const user = patch.userId === undefined ? "" : patch.userId === null ? "-" : `=${patch.userId}`;
    const args = [String(now), String(Math.max(1, patch.expiresAt - now)), patch.clear ? "1" : "0", String(patch.lastSeenAt), String(patch.expiresAt), user];
    args.push(String(patch.unset.length), ...patch.unset.map((f) => `d:${f}`));
    for (const [field, value] of Object.entries(patch.set)) args.push(`d:${field}`, JSON.stringify(value));
    // A new owner's index learns of the session in the same round trip. The old owner's
    // index is not touched: a member whose session is gone or owned by someone else is
    // dropped when that index is next read.
    const [result] = await Promise.all([
      this.script(UPDATE, this.sessionKey(key), args),
      typeof patch.userId === "string" ? this.run(["SADD", this.userKey(patch.userId), key]) : undefined,
    ]);
    return Array.isArray(result);
  }

  async touch(key: string, lastSeenAt: number, expiresAt: number, now: number): Promise<boolean> {
    const args = [String(now), String(Math.max(1, expiresAt - now)), String(lastSeenAt), String(expiresAt)];
    return Number(await this.script(TOUCH, this.sessionKey(key), args)) === 1;
  }

  async take(key: string, fields: string[], now: number): Promise<Record<string, unknown> | null> {
    const result = await this.script(TAKE, this.sessionKey(key), [String(now), ...fields.map((f) => `d:${f}`)]);
    if (!Array.isArray(result)) return null;
    const taken: Record<string, unknown> = {};
    for (let i = 0; i + 1 < result.length; i += 2) putOwn(taken, String(result[i]).slice(2), JSON.parse(String(result[i + 1])));
    return taken;
  }

  async delete(key: string): Promise<void> {
    // One DEL; the owner's index drops the member when it is next read.
    await this.run(["DEL", this.sessionKey(key)]);
  }

  async listByUser(userId: string, now: number): Promise<Array<{ key: string; record: SessionRecord }>> {
    const setKey = this.userKey(userId);
    const members = ((await this.run(["SMEMBERS", setKey])) as string[]).filter((m) => STORE_KEY.test(m));
    const records = await Promise.all(members.map((m) => this.get(m, now)));
    const rows: Array<{ key: string; record: SessionRecord }> = [];
    const gone: string[] = [];
    members.forEach((m, i) => {
      const record = records[i];
      if (record && record.userId === userId) rows.push({ key: m, record });
      else gone.push(m);
    });
    // Members whose session expired (or changed owner) leave the index as it is read.
    if (gone.length) await this.run(["SREM", setKey, ...gone]);
    return rows;
  }

  async deleteByUser(userId: string, exceptKey: string | undefined, now: number): Promise<number> {
    const rows = (await this.listByUser(userId, now)).filter((r) => r.key !== exceptKey);
    if (rows.length === 0) return 0;
    await Promise.all([
      this.run(["SREM", this.userKey(userId), ...rows.map((r) => r.key)]),
      ...rows.map((r) => this.run(["DEL", this.sessionKey(r.key)])),
    ]);
    return rows.length;
  }

  /** Redis expires sessions by itself (TTL); user indexes are cleaned as they are read. */
  async purge(): Promise<number> {
    return 0;
  }
}

/** HGETALL's reply: field, value, field, value… (ioredis) or an object (node-redis). */
type HashReply = string[] | Record<string, string>;

/** The record in a session's hash, or null when there is none or it expired (a missing key is an empty reply). */
function parseHash(reply: HashReply, now: number): SessionRecord | null {
  const data: Record<string, unknown> = {};
  let c = 0;
  let l = 0;
  let e = 0;
  let u: string | undefined;
  const field = (f: string, v: string) => {
    if (f.startsWith("d:")) putOwn(data, f.slice(2), JSON.parse(v));
    else if (f === "m:c") c = Number(v);
    else if (f === "m:l") l = Number(v);
    else if (f === "m:e") e = Number(v);
    else if (f === "m:u") u = v;
  };
  // Read in place: copying node-redis's object into pairs first cost about 2 us of a 40 us local read.
  if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) field(reply[i]!, reply[i + 1]!);
  else for (const f of Object.keys(reply)) field(f, reply[f]!);
  if (!(e > now)) return null;
  return { data, createdAt: c, lastSeenAt: l, expiresAt: e, userId: u };
}
