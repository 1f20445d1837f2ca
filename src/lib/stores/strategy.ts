import { KeyedQueue } from "./keyed-queue.js";
import { patchedRecord, takeFields, type SessionPatch, type SessionRecord, type SessionStore } from "./store.js";

/**
 * A Remix / react-router custom storage: `{ createData, readData, updateData,
 * deleteData }`. Accepted as a store so existing custom stores keep working.
 */
export interface SessionIdStorageStrategy<Data = Record<string, unknown>> {
  createData(data: Partial<Data>, expires?: Date): Promise<string>;
  readData(id: string): Promise<Partial<Data> | null>;
  updateData(id: string, data: Partial<Data>, expires?: Date): Promise<void>;
  deleteData(id: string): Promise<void>;
}

export function isStrategy(x: unknown): x is SessionIdStorageStrategy {
  return typeof x === "object" && x !== null && typeof (x as SessionIdStorageStrategy).readData === "function";
}

/** Where tessera keeps its timestamps beside the user's data in a strategy's record. */
const META = "__tessera__";

interface Meta {
  c: number;
  l: number;
  e: number;
  u?: string | undefined;
  a?: number | undefined;
}

/** How long, and how many, keys this process remembers as ended. */
const TOMBSTONE_MS = 10 * 60_000;
const TOMBSTONES = 10_000;

/**
 * Keys this process ended (destroyed or replaced), each for ten minutes: longer
 * than any request that read the session before it ended is still running.
 * The oldest go first past 10,000.
 */
class Tombstones {
  readonly #until = new Map<string, number>();

  add(key: string): void {
    this.#until.delete(key);
    this.#until.set(key, Date.now() + TOMBSTONE_MS);
    if (this.#until.size > TOMBSTONES) this.#until.delete(this.#until.keys().next().value!);
  }

  remove(key: string): void {
    this.#until.delete(key);
  }

  has(key: string): boolean {
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#until.delete(key);
    return false;
  }
}

/** One adapter per strategy object, so every storage of a process shares its queue and tombstones. */
const adapters = new WeakMap<SessionIdStorageStrategy, SessionStore>();

/**
 * Adapts a strategy to the `SessionStore` contract.
 *
 * - tessera names records itself (by the hash of the session id), so it writes
 *   new records with `updateData`, which must create a record that does not
 *   exist yet, as Remix's memory and file strategies do. `createData` is not called.
 * - A strategy has no atomic update, so the adapter makes one for this process:
 *   every change to one session (update, touch, take, replace, delete) runs
 *   after the previous one finished, so two requests of this process never
 *   lose each other's keys, a flash is taken by one of them only, and a
 *   logout is never undone by a save that read the session before it. Every
 *   key it ended is remembered for ten minutes (a tombstone) and refused even
 *   if a slow strategy still returns it.
 * - Across processes none of that holds: a `deleteData` from another process
 *   landing between this one's read and write is undone by the write, two
 *   processes can lose each other's keys, and both can show one flash.
 *   Write a `SessionStore` (or use the Redis, PostgreSQL or file store) for
 *   those guarantees across processes.
 * - Expiry is stored beside the data and enforced on read, and the `expires`
 *   handed to `updateData` lets the strategy clean up.
 */
export function fromStrategy(strategy: SessionIdStorageStrategy): SessionStore {
  let adapter = adapters.get(strategy);
  if (!adapter) adapters.set(strategy, (adapter = adapt(strategy)));
  return adapter;
}

function adapt(strategy: SessionIdStorageStrategy): SessionStore {
  const ended = new Tombstones();
  const queue = new KeyedQueue();
  const unpack = (raw: unknown, now: number): SessionRecord | null => {
    if (!raw || typeof raw !== "object") return null;
    const { [META]: meta, ...data } = raw as Record<string, unknown> & { [META]?: Meta };
    if (!meta || typeof meta.e !== "number" || meta.e <= now) return null;
    return { data, createdAt: meta.c, lastSeenAt: meta.l, expiresAt: meta.e, userId: meta.u, maxAge: meta.a };
  };
  const read = async (key: string, now: number) => (ended.has(key) ? null : unpack(await strategy.readData(key), now));
  const write = (key: string, r: SessionRecord) => {
    const meta: Meta = { c: r.createdAt, l: r.lastSeenAt, e: r.expiresAt, u: r.userId };
    if (r.maxAge !== undefined) meta.a = r.maxAge;
    return strategy.updateData(key, { ...r.data, [META]: meta }, new Date(r.expiresAt));
  };
  const update = (key: string, patch: SessionPatch, now: number) =>
    queue.run(key, async () => {
      const current = await read(key, now);
      if (!current) return false;
      await write(key, patchedRecord(current, patch));
      return true;
    });
  return {
    get: read,
    create: write,
    update,
    touch: (key, lastSeenAt, expiresAt, now) => update(key, { clear: false, set: {}, unset: [], lastSeenAt, expiresAt }, now),
    take: (key, fields, now) =>
      queue.run(key, async () => {
        const current = await read(key, now);
        if (!current) return null;
        const taken = takeFields(current.data, fields);
        if (Object.keys(taken).length > 0) await write(key, current);
        return taken;
      }),
    replace: (oldKey, newKey, record, now) =>
      queue.run(oldKey, async () => {
        if (!(await read(oldKey, now))) return false;
        await write(newKey, record);
        // Another process may have ended the old session while the new record was written: then the login loses.
        if (!(await read(oldKey, now))) {
          await strategy.deleteData(newKey);
          return false;
        }
        ended.add(oldKey);
        try {
          await strategy.deleteData(oldKey);
        } catch (error) {
          // A login that fails leaves the old session as it was: not refused here, no new record beside it.
          ended.remove(oldKey);
          await (async () => strategy.deleteData(newKey))().catch(() => {});
          throw error;
        }
        return true;
      }),
    delete: (key) =>
      queue.run(key, async () => {
        ended.add(key);
        await strategy.deleteData(key);
      }),
  };
}
