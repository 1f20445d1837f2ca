import { SessionConfigError } from "../errors.js";
import type { MemoryStoreOptions } from "./memory-options.js";
import { applyPatch, patchedMaxAge, patchedUser, takeFields, type SessionPatch, type SessionRecord, type SessionStore } from "./store.js";

export type { MemoryStoreOptions } from "./memory-options.js";

// Times are kept as whole seconds since 2020: small integers that V8 stores
// inline (a millisecond timestamp would be a 16-byte heap number, three per session).
const EPOCH = Date.UTC(2020, 0, 1);
// Rounded up: a session may end up to a second late, never early (the engine
// counts the absolute deadline from the stored creation time, so that too).
const toSeconds = (ms: number) => Math.ceil((ms - EPOCH) / 1000);
const toMs = (s: number) => EPOCH + s * 1000;

/**
 * One session. Values are kept as JSON text: compact, and never an object a
 * caller could still hold and change behind the store's back.
 */
class Entry {
  created: number;
  seen: number;
  expires: number;
  userId: string | undefined;
  /** The session's own cookie lifetime (seconds), when it has one. */
  maxAge: number | undefined;
  /** Bit 1: `priority`; bit 2: `used`. One slot for both, since every slot costs each session 8 bytes. */
  private bits: number;
  constructor(
    public json: string,
    record: SessionRecord,
    priority: boolean,
  ) {
    this.bits = priority ? 1 : 0;
    this.userId = record.userId;
    this.created = toSeconds(record.createdAt);
    this.seen = toSeconds(record.lastSeenAt);
    this.expires = toSeconds(record.expiresAt);
    this.maxAge = record.maxAge;
  }

  /** Signed in: evicted only when no anonymous session is left. */
  get priority(): boolean {
    return (this.bits & 1) !== 0;
  }
  set priority(on: boolean) {
    this.bits = on ? this.bits | 1 : this.bits & ~1;
  }

  /** Read since it last went to the end of its tier: eviction gives it a second chance. */
  get used(): boolean {
    return (this.bits & 2) !== 0;
  }
  set used(on: boolean) {
    this.bits = on ? this.bits | 2 : this.bits & ~2;
  }

  get expiresAt(): number {
    return toMs(this.expires);
  }

  setTimes(lastSeenAt: number, expiresAt: number): void {
    this.seen = toSeconds(lastSeenAt);
    this.expires = toSeconds(expiresAt);
  }
}

/** Expired entries are swept at most this often, by the request that finds it due: no timers. */
const SWEEP_EVERY = 60_000;

function bound(name: string, value: unknown, most: number, hint: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > most) {
    throw new SessionConfigError(`option ${name} is invalid: ${String(value)}; use a whole number ${hint}`);
  }
  return value;
}

/**
 * A bounded, expiring in-process store: fit for production on one process.
 * The per-request methods answer directly, without a promise.
 * Signed-in and anonymous sessions sit in two Maps whose insertion order is
 * their recency order, and eviction takes the first entry of one of them
 * that was not read since it went last; one that was goes to the end instead
 * (the "second chance" approximation of least recently used). A read only
 * marks its entry: moving it on every read, as a Map allows, left a dead copy
 * of a busy session in its hash chain per read until the Map next resized,
 * and made every lookup of that session slower the busier it was.
 */
export class MemoryStore implements SessionStore {
  private readonly signedIn = new Map<string, Entry>();
  private readonly anonymous = new Map<string, Entry>();
  private readonly users = new Map<string, Set<string>>();
  private readonly max: number;
  private readonly maxAnonymous: number;
  private lastSweep = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.max = bound("maxSessions", options?.maxSessions ?? 100_000, Number.MAX_SAFE_INTEGER, "above 0");
    this.maxAnonymous = bound(
      "maxAnonymousSessions",
      options?.maxAnonymousSessions ?? this.max,
      this.max,
      `from 1 to maxSessions (${this.max})`,
    );
  }

  /** How many sessions are held (expired ones not yet swept included). */
  get size(): number {
    return this.signedIn.size + this.anonymous.size;
  }

  private tier(entry: Entry): Map<string, Entry> {
    return entry.priority ? this.signedIn : this.anonymous;
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.signedIn.get(key) ?? this.anonymous.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.drop(key, entry);
      return undefined;
    }
    return entry;
  }

  private drop(key: string, entry: Entry): void {
    this.tier(entry).delete(key);
    if (entry.userId !== undefined) this.unindex(entry.userId, key);
  }

  /** Evicts the oldest session of `tier` not read since it went last; the read ones on the way go last. */
  private evictFrom(tier: Map<string, Entry>): void {
    // Ends: every entry moved is unmarked, so a second pass meets an unmarked one.
    for (const [key, entry] of tier) {
      if (!entry.used) return this.drop(key, entry);
      entry.used = false;
      tier.delete(key);
      tier.set(key, entry);
    }
  }

  private insert(key: string, entry: Entry, now: number): void {
    this.sweep(now);
    this.delete(key);
    if (!entry.priority && this.anonymous.size >= this.maxAnonymous) this.evictFrom(this.anonymous);
    while (this.size >= this.max) this.evictFrom(this.anonymous.size > 0 ? this.anonymous : this.signedIn);
    this.tier(entry).set(key, entry);
    this.index(entry.userId, key);
  }

  private index(userId: string | undefined, key: string): void {
    if (userId === undefined) return;
    let keys = this.users.get(userId);
    if (!keys) this.users.set(userId, (keys = new Set()));
    keys.add(key);
  }

  private unindex(userId: string, key: string): void {
    const keys = this.users.get(userId);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.users.delete(userId);
  }

  private toRecord(e: Entry): SessionRecord {
    return {
      data: JSON.parse(e.json),
      createdAt: toMs(e.created),
      lastSeenAt: toMs(e.seen),
      expiresAt: e.expiresAt,
      userId: e.userId,
      maxAge: e.maxAge,
    };
  }

  get(key: string, now: number): SessionRecord | null {
    const entry = this.live(key, now);
    if (!entry) return null;
    entry.used = true;
    return this.toRecord(entry);
  }

  /** `login`: a session regenerated before it was ever stored (a sign-in), ranked as a signed-in one, as a `replace` is. */
  create(key: string, record: SessionRecord, login = false): void {
    const entry = new Entry(JSON.stringify(record.data), record, login || record.userId !== undefined);
    this.insert(key, entry, record.lastSeenAt);
  }

  replace(oldKey: string, newKey: string, record: SessionRecord, now: number): boolean {
    const old = this.live(oldKey, now);
    if (!old) return false;
    // Serialised before anything changes: a record that cannot be stored leaves the old one as it was.
    const entry = new Entry(JSON.stringify(record.data), record, true);
    this.drop(oldKey, old);
    this.insert(newKey, entry, now);
    return true;
  }

  update(key: string, patch: SessionPatch, now: number): boolean {
    const entry = this.live(key, now);
    if (!entry) return false;
    entry.json = JSON.stringify(applyPatch(JSON.parse(entry.json), patch));
    entry.setTimes(patch.lastSeenAt, patch.expiresAt);
    entry.maxAge = patchedMaxAge(entry.maxAge, patch);
    this.own(key, entry, patchedUser(entry.userId, patch));
    return true;
  }

  /** A change of owner: the user index follows, and so does the session's eviction priority. */
  private own(key: string, entry: Entry, userId: string | undefined): void {
    if (userId === entry.userId) return;
    const priority = userId !== undefined || (entry.userId === undefined && entry.priority);
    if (entry.userId !== undefined) this.unindex(entry.userId, key);
    entry.userId = userId;
    this.index(userId, key);
    if (priority === entry.priority) return;
    this.tier(entry).delete(key);
    entry.priority = priority;
    if (!priority && this.anonymous.size >= this.maxAnonymous) this.evictFrom(this.anonymous);
    entry.used = false;
    this.tier(entry).set(key, entry);
  }

  take(key: string, fields: string[], now: number): Record<string, unknown> | null {
    const entry = this.live(key, now);
    if (!entry) return null;
    const data = JSON.parse(entry.json) as Record<string, unknown>;
    const taken = takeFields(data, fields);
    if (Object.keys(taken).length > 0) entry.json = JSON.stringify(data);
    return taken;
  }

  touch(key: string, lastSeenAt: number, expiresAt: number, now: number, _userId?: string): boolean {
    const entry = this.live(key, now);
    if (!entry) return false;
    entry.setTimes(lastSeenAt, expiresAt);
    return true;
  }

  delete(key: string): boolean {
    const entry = this.signedIn.get(key) ?? this.anonymous.get(key);
    if (entry) this.drop(key, entry);
    return entry !== undefined;
  }

  async listByUser(userId: string, now: number): Promise<Array<{ key: string; record: SessionRecord }>> {
    const out: Array<{ key: string; record: SessionRecord }> = [];
    for (const key of [...(this.users.get(userId) ?? [])]) {
      const entry = this.live(key, now);
      if (entry) out.push({ key, record: this.toRecord(entry) });
    }
    return out;
  }

  async deleteByUser(userId: string, exceptKey: string | undefined, now: number): Promise<number> {
    let n = 0;
    for (const key of [...(this.users.get(userId) ?? [])]) {
      if (key === exceptKey) continue;
      const entry = this.live(key, now);
      if (entry) {
        this.drop(key, entry);
        n++;
      }
    }
    return n;
  }

  async purge(now: number): Promise<number> {
    let n = 0;
    for (const tier of [this.signedIn, this.anonymous]) {
      for (const [key, entry] of tier) {
        if (entry.expiresAt <= now) {
          this.drop(key, entry);
          n++;
        }
      }
    }
    this.lastSweep = now;
    return n;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep >= SWEEP_EVERY) void this.purge(now);
  }
}
