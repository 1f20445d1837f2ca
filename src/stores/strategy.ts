import type { SessionPatch, SessionRecord, SessionStore } from "./store.js";
import { applyPatch, patchedMaxAge, patchedUser } from "./store.js";

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

  has(key: string): boolean {
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#until.delete(key);
    return false;
  }
}

/**
 * Adapts a strategy to the `SessionStore` contract.
 *
 * - tessera names records itself (by the hash of the session id), so it writes
 *   new records with `updateData`, which must create a record that does not
 *   exist yet, as Remix's memory and file strategies do. `createData` is not called.
 * - A strategy has no atomic update. `update` reads, merges and writes back, so
 *   two concurrent requests to one session can lose each other's keys, as they
 *   can under react-router; and a `deleteData` from another process landing
 *   between the read and the write is undone by the write. Within this process
 *   it never is: every key this adapter ended is remembered (a tombstone) and
 *   checked after the read and again after the write, which deletes the record
 *   again when the session ended meanwhile. `replace` (a login) re-reads the
 *   old record after writing the new one and gives up when it is gone.
 *   Write a `SessionStore` for the guarantee across processes.
 * - Expiry is stored beside the data and enforced on read, and the `expires`
 *   handed to `updateData` lets the strategy clean up.
 */
export function fromStrategy(strategy: SessionIdStorageStrategy): SessionStore {
  const ended = new Tombstones();
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
  const end = async (key: string) => {
    ended.add(key);
    await strategy.deleteData(key);
  };
  /** Writes `record` over a session read just before; false (and nothing left behind) when it ended meanwhile. */
  const writeBack = async (key: string, record: SessionRecord): Promise<boolean> => {
    if (ended.has(key)) return false;
    await write(key, record);
    if (!ended.has(key)) return true;
    // Destroyed by a request of this process while the write was in flight: undo the write.
    await strategy.deleteData(key);
    return false;
  };
  return {
    get: read,
    create: write,
    async update(key, patch: SessionPatch, now) {
      const current = await read(key, now);
      if (!current) return false;
      return writeBack(key, {
        data: applyPatch(current.data, patch),
        createdAt: current.createdAt,
        lastSeenAt: patch.lastSeenAt,
        expiresAt: patch.expiresAt,
        userId: patchedUser(current.userId, patch),
        maxAge: patchedMaxAge(current.maxAge, patch),
      });
    },
    touch(key, lastSeenAt, expiresAt, now) {
      return this.update(key, { clear: false, set: {}, unset: [], lastSeenAt, expiresAt }, now);
    },
    async replace(oldKey, newKey, record, now) {
      if (!(await read(oldKey, now))) return false;
      await write(newKey, record);
      // The old session may have ended while the new record was written: then the login loses.
      if (!(await read(oldKey, now))) {
        await strategy.deleteData(newKey);
        return false;
      }
      await end(oldKey);
      return true;
    },
    delete: end,
  };
}
