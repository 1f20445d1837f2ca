import { SessionStoreError } from "../errors.js";
import type { Send } from "./redis-client.js";
import { causeSays, type RedisCommands } from "./redis-commands.js";
import { readHash, type HashReply } from "./redis-hash.js";
import { DELETE_OWNED, INDEX, PRUNE, UPGRADE } from "./redis-scripts.js";
import { STORE_KEY, type SessionRecord } from "./store.js";

const DAY = 86_400_000;
/** Rounds of "log out everywhere": a login that moved a session away while one round ran is caught by the next. */
const DELETE_ROUNDS = 8;
const INDEX_NAME = /^u:\{[A-Za-z0-9_-]{43}\}$/;

/**
 * The score of a session's entry in its owner's index: its expiry plus up to
 * one more lifetime (a day at most), so a save that slides the expiry has to
 * rewrite the index only about once per lifetime, not on every request.
 */
export function indexScore(expiresAt: number, now: number): string {
  return String(Math.ceil(expiresAt + Math.min(Math.max(0, expiresAt - now), DAY)));
}

interface Scored {
  member: string;
  score: number;
}

/** ZRANGE … WITHSCORES: member/score pairs (newer clients) or a flat member, score list (older ones, Lua). */
function scored(reply: unknown): Scored[] {
  const out: Scored[] = [];
  if (!Array.isArray(reply)) return out;
  if (Array.isArray(reply[0])) for (const [member, score] of reply as unknown[][]) out.push({ member: String(member), score: Number(score) });
  else for (let i = 0; i + 1 < reply.length; i += 2) out.push({ member: String(reply[i]), score: Number(reply[i + 1]) });
  return out;
}

/**
 * The Redis store's user index: a sorted set per user, read without KEYS or
 * SCAN, whose entries and key expire with the sessions. A member is only ever
 * dropped after it was checked against its session (see PRUNE).
 */
export class RedisUserIndex {
  readonly #cmd: RedisCommands;

  constructor(commands: RedisCommands) {
    this.#cmd = commands;
  }

  /** Adds `key` to the index of `userId`, to stay until `score`. */
  add(userId: string, key: string, score: string, now: number): Promise<unknown> {
    return this.#cmd.script(INDEX, this.#cmd.userKey(userId), [String(now), score, key]);
  }

  /** Raises and drops verified members of an index; what it dropped and what remains. */
  async #prune(index: string, now: number, raise: string[], drop: string[]): Promise<{ dropped: number; remaining: Scored[] }> {
    const reply = (await this.#cmd.script(PRUNE, index, [String(now), String(raise.length / 2), ...raise, ...drop])) as [unknown, unknown];
    return { dropped: Number(reply[0]), remaining: scored(reply[1]) };
  }

  async #members(index: string, now: number): Promise<Scored[]> {
    const read = () => this.#cmd.run(["ZRANGE", index, "0", "-1", "WITHSCORES"]);
    try {
      return scored(await read());
    } catch (error) {
      // An index of the earlier layout (a plain set): upgraded in place, then read.
      if (!causeSays(error, /WRONGTYPE/)) throw error;
      await this.#cmd.script(UPGRADE, index, [String(now)]);
      return scored(await read());
    }
  }

  async list(userId: string, now: number): Promise<Array<{ key: string; record: SessionRecord }>> {
    const cmd = this.#cmd;
    const index = cmd.userKey(userId);
    const members = await this.#members(index, now);
    const hashes = await Promise.all(members.map((m) => (STORE_KEY.test(m.member) ? cmd.run(["HGETALL", cmd.sessionKey(m.member)]) : [])));
    const rows: Array<{ key: string; record: SessionRecord }> = [];
    const raise: string[] = [];
    const drop: string[] = [];
    members.forEach(({ member, score }, i) => {
      const stored = readHash(hashes[i] as HashReply);
      if (stored.expiresAt > now && stored.userId === String(userId)) {
        // A session a regenerate is moving is neither listed nor dropped: its move decides. One that is not
        // readable is not listed, and stays in the index for "log out everywhere" to delete.
        if (stored.moving || !stored.readable) return;
        rows.push({ key: member, record: stored.record() });
        const due = Math.ceil(Math.max(stored.expiresAt, stored.indexedUntil));
        if (due > score) raise.push(String(due), member);
      } else {
        drop.push(member, String(score));
      }
    });
    // Members whose session expired or changed owner leave the index as it is read.
    if (raise.length || drop.length) await this.#prune(index, now, raise, drop);
    return rows;
  }

  /**
   * Deletes each member owned by `userId`, records a regenerate is moving
   * included, then reads the index again while a round found a member already
   * gone: that may be a login that moved it to a new key, which the next round
   * deletes too.
   */
  async deleteAll(userId: string, exceptKey: string | undefined, now: number): Promise<number> {
    const cmd = this.#cmd;
    const owner = String(userId);
    const index = cmd.userKey(owner);
    let members = await this.#members(index, now);
    let deleted = 0;
    for (let round = 0; round < DELETE_ROUNDS; round++) {
      const targets = members.filter((m) => m.member !== exceptKey);
      if (targets.length === 0) break;
      const results = await Promise.all(
        targets.map((m) => (STORE_KEY.test(m.member) ? cmd.script(DELETE_OWNED, cmd.sessionKey(m.member), [owner, String(now)], { late: true }) : 1)),
      );
      let vanished = false;
      const drop: string[] = [];
      targets.forEach(({ member, score }, i) => {
        const result = Number(results[i]);
        if (result === 0) vanished = true;
        if (result === 3) deleted++;
        drop.push(member, String(score));
      });
      members = (await this.#prune(index, now, [], drop)).remaining;
      if (!vanished) break;
    }
    return deleted;
  }

  /**
   * Walks every user index (SCAN on every master of a Cluster), checks each
   * member against its session, drops the members whose session expired or
   * changed owner (deleting an expired record Redis still holds), and leaves
   * every index key with a TTL. Returns the number of members dropped.
   */
  async purge(now: number): Promise<number> {
    const masters = await this.#cmd.masters();
    // A Cluster client that knows no master yet would otherwise report a clean purge of nothing.
    if (masters.length === 0) throw new SessionStoreError("redis: no master to purge is known yet");
    let dropped = 0;
    for (const n of await Promise.all(masters.map((send) => this.#purgeNode(send, now)))) dropped += n;
    return dropped;
  }

  async #purgeNode(send: Send, now: number): Promise<number> {
    const prefix = this.#cmd.prefix;
    const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}u:{*}`;
    let cursor = "0";
    let dropped = 0;
    do {
      const [next, keys] = (await this.#cmd.run(["SCAN", cursor, "MATCH", pattern, "COUNT", "200"], send)) as [unknown, unknown[]];
      cursor = String(next);
      const indexes = keys.map(String).filter((k) => k.startsWith(prefix) && INDEX_NAME.test(k.slice(prefix.length)));
      for (const n of await Promise.all(indexes.map((index) => this.#purgeIndex(index, now)))) dropped += n;
    } while (cursor !== "0");
    return dropped;
  }

  async #purgeIndex(index: string, now: number): Promise<number> {
    const cmd = this.#cmd;
    const members = await this.#members(index, now);
    const metas = await Promise.all(
      members.map((m) => (STORE_KEY.test(m.member) ? cmd.run(["HMGET", cmd.sessionKey(m.member), "m:e", "m:u", "m:x", "m:r"]) : [])),
    );
    const raise: string[] = [];
    const drop: string[] = [];
    const expired: string[] = [];
    members.forEach(({ member, score }, i) => {
      const [e, u, x, r] = metas[i] as Array<string | null | undefined>;
      const owned = typeof u === "string" && cmd.userKey(u) === index;
      const live = e != null && Number(e) > now;
      if (owned && live) {
        const due = Math.ceil(Math.max(Number(e), Number(x ?? 0)));
        if (due > score) raise.push(String(due), member);
        return;
      }
      drop.push(member, String(score));
      // An expired record that is not being moved can never come back: it goes now rather than at its TTL.
      if (e != null && !live && r == null) expired.push(cmd.sessionKey(member));
    });
    // One DEL per key: on a Cluster the sessions sit in different slots.
    const [pruned] = await Promise.all([this.#prune(index, now, raise, drop), ...expired.map((k) => cmd.run(["DEL", k], cmd.write))]);
    return pruned.dropped;
  }
}
