import { applyPatch, takeFields, type SessionRecord, type SessionStore } from "./store.js";

export interface MemoryStoreOptions {
  /**
   * The most sessions kept; past it the least recently used is evicted.
   * Default 100,000 (about 30 MB with small sessions).
   */
  maxSessions?: number;
}

// Times are kept as whole seconds since 2020: small integers that V8 stores
// inline (a millisecond timestamp would be a 16-byte heap number, three per session).
const EPOCH = Date.UTC(2020, 0, 1);
// Rounded down: a session may end up to a second early, never late.
const toSeconds = (ms: number) => Math.floor((ms - EPOCH) / 1000);
const toMs = (s: number) => EPOCH + s * 1000;

/**
 * One session. Values are kept as JSON text: compact, and never an object a
 * caller could still hold and change behind the store's back.
 */
class Entry {
  created: number;
  seen: number;
  expires: number;
  constructor(
    public json: string,
    createdAt: number,
    lastSeenAt: number,
    expiresAt: number,
    public userId: string | undefined,
  ) {
    this.created = toSeconds(createdAt);
    this.seen = toSeconds(lastSeenAt);
    this.expires = toSeconds(expiresAt);
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

/**
 * A bounded, expiring in-process store: fit for production on one process.
 * The per-request methods answer directly, without a promise.
 * The Map's insertion order is the recency order (a read moves an entry to the
 * end), so eviction takes the first entry.
 */
export class MemoryStore implements SessionStore {
  private readonly entries = new Map<string, Entry>();
  private readonly users = new Map<string, Set<string>>();
  private readonly max: number;
  private lastSweep = 0;

  constructor(options: MemoryStoreOptions = {}) {
    const max = options.maxSessions ?? 100_000;
    if (!Number.isInteger(max) || max < 1) throw new TypeError(`option maxSessions is invalid: ${max}; use a whole number above 0`);
    this.max = max;
  }

  /** How many sessions are held (expired ones not yet swept included). */
  get size(): number {
    return this.entries.size;
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.drop(key, entry);
      return undefined;
    }
    return entry;
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    if (entry.userId !== undefined) this.unindex(entry.userId, key);
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
    return { data: JSON.parse(e.json), createdAt: toMs(e.created), lastSeenAt: toMs(e.seen), expiresAt: e.expiresAt, userId: e.userId };
  }

  get(key: string, now: number): SessionRecord | null {
    const entry = this.live(key, now);
    if (!entry) return null;
    // Most recently used goes last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return this.toRecord(entry);
  }

  create(key: string, record: SessionRecord): void {
    this.sweep(record.lastSeenAt);
    while (this.entries.size >= this.max) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      this.drop(oldest, entry);
    }
    const entry = new Entry(JSON.stringify(record.data), record.createdAt, record.lastSeenAt, record.expiresAt, record.userId);
    this.entries.set(key, entry);
    this.index(entry.userId, key);
  }

  update(key: string, patch: Parameters<SessionStore["update"]>[1], now: number): boolean {
    const entry = this.live(key, now);
    if (!entry) return false;
    entry.json = JSON.stringify(applyPatch(JSON.parse(entry.json), patch));
    entry.setTimes(patch.lastSeenAt, patch.expiresAt);
    if (patch.userId !== undefined && (patch.userId ?? undefined) !== entry.userId) {
      if (entry.userId !== undefined) this.unindex(entry.userId, key);
      entry.userId = patch.userId ?? undefined;
      this.index(entry.userId, key);
    }
    return true;
  }

  take(key: string, fields: string[], now: number): Record<string, unknown> | null {
    const entry = this.live(key, now);
    if (!entry) return null;
    const data = JSON.parse(entry.json) as Record<string, unknown>;
    const taken = takeFields(data, fields);
    if (Object.keys(taken).length > 0) entry.json = JSON.stringify(data);
    return taken;
  }

  touch(key: string, lastSeenAt: number, expiresAt: number, now: number): boolean {
    const entry = this.live(key, now);
    if (!entry) return false;
    entry.setTimes(lastSeenAt, expiresAt);
    return true;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.drop(key, entry);
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
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.drop(key, entry);
        n++;
      }
    }
    this.lastSweep = now;
    return n;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep >= SWEEP_EVERY) void this.purge(now);
  }
}
