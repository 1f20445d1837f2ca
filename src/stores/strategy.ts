import type { SessionPatch, SessionRecord, SessionStore } from "./store.js";
import { applyPatch } from "./store.js";

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
}

/**
 * Adapts a strategy to the `SessionStore` contract.
 *
 * - tessera names records itself (by the hash of the session id), so it writes
 *   new records with `updateData`, which must create a record that does not
 *   exist yet, as Remix's memory and file strategies do. `createData` is not called.
 * - A strategy has no atomic per-key update: `update` reads, merges and writes
 *   back, so two concurrent requests to one session can lose each other's keys,
 *   as they can under react-router. Write a `SessionStore` where that matters.
 * - Expiry is stored beside the data and enforced on read, and the `expires`
 *   handed to `updateData` lets the strategy clean up.
 */
export function fromStrategy(strategy: SessionIdStorageStrategy): SessionStore {
  const unpack = (raw: unknown, now: number): SessionRecord | null => {
    if (!raw || typeof raw !== "object") return null;
    const { [META]: meta, ...data } = raw as Record<string, unknown> & { [META]?: Meta };
    if (!meta || typeof meta.e !== "number" || meta.e <= now) return null;
    return { data, createdAt: meta.c, lastSeenAt: meta.l, expiresAt: meta.e, userId: meta.u };
  };
  const write = (key: string, r: SessionRecord) =>
    strategy.updateData(key, { ...r.data, [META]: { c: r.createdAt, l: r.lastSeenAt, e: r.expiresAt, u: r.userId } satisfies Meta }, new Date(r.expiresAt));
  return {
    async get(key, now) {
      return unpack(await strategy.readData(key), now);
    },
    create: write,
    async update(key, patch: SessionPatch, now) {
      const current = unpack(await strategy.readData(key), now);
      if (!current) return false;
      await write(key, {
        data: applyPatch(current.data, patch),
        createdAt: current.createdAt,
        lastSeenAt: patch.lastSeenAt,
        expiresAt: patch.expiresAt,
        userId: patch.userId === undefined ? current.userId : (patch.userId ?? undefined),
      });
      return true;
    },
    touch(key, lastSeenAt, expiresAt, now) {
      return this.update(key, { clear: false, set: {}, unset: [], lastSeenAt, expiresAt }, now);
    },
    delete: (key) => strategy.deleteData(key),
  };
}
