/**
 * One "server" of the model-based tests: a storage over a shared store, driven
 * step by step (open a request, change its session, save it), with the time
 * handed in by the driver so that every server agrees on it. The same class
 * runs in the test process and, for stores shared across processes, in a
 * child process (endpoint-process.ts) that the driver talks to over IPC.
 */
import { createSessionStorage, type IdSessionStorage } from "../../src/lib/engine/id-storage.js";
import { stateOf, type Session } from "../../src/lib/session/session.js";
import type { SessionStore } from "../../src/lib/stores/store.js";
import type { SessionIdStorageStrategy } from "../../src/lib/stores/strategy.js";
import { SECRET_A } from "../helpers.js";

/** What a step does to the session of an open request. */
export type Action =
  | { t: "set"; key: string; value: number }
  | { t: "unset"; key: string }
  | { t: "flash"; value: number }
  | { t: "show" }
  | { t: "login"; user: string }
  | { t: "logout" };

export interface Opened {
  isNew: boolean;
  data: Record<string, unknown>;
}

export interface Saved {
  setCookie: string | null;
  /** The id the session has after the save (the new one after a login). */
  id: string;
  dirty: boolean;
  regenerated: boolean;
}

/** The operations of one server, as the driver sees them (the same locally and over IPC). */
export interface Endpoint {
  open(slot: number, cookie: string | null, now: number): Promise<Opened>;
  act(slot: number, action: Action, now: number): Promise<unknown>;
  save(slot: number, now: number): Promise<Saved>;
  revokeAll(user: string, exceptSlot: number | null, now: number): Promise<number>;
  /** A read of `cookie` that changes nothing when its session is gone: is it a fresh session? */
  isFresh(cookie: string, now: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The data keys the model follows (flash values live under "f"). */
export const KEYS = ["a", "b", "c", "userId"] as const;

export const TIMEOUTS = { idleTimeout: 3600, absoluteTimeout: 86400, touchInterval: 60 };

export class LocalEndpoint implements Endpoint {
  #now = 0;
  readonly #storage: IdSessionStorage;
  readonly #slots = new Map<number, Session>();

  constructor(store: SessionStore | SessionIdStorageStrategy, private readonly onClose: () => Promise<void> = async () => {}) {
    this.#storage = createSessionStorage({
      store,
      cookie: { secrets: [SECRET_A], name: "sid" },
      userKey: "userId",
      now: () => this.#now,
      ...TIMEOUTS,
    });
  }

  async open(slot: number, cookie: string | null, now: number): Promise<Opened> {
    this.#now = now;
    const session = await this.#storage.read(cookie);
    this.#slots.set(slot, session);
    const data: Record<string, unknown> = {};
    for (const key of KEYS) if (session.has(key)) data[key] = session.get(key);
    return { isNew: session.isNew, data };
  }

  async act(slot: number, action: Action, now: number): Promise<unknown> {
    this.#now = now;
    const s = this.#slots.get(slot)!;
    switch (action.t) {
      case "set":
        return s.set(action.key, action.value);
      case "unset":
        return s.unset(action.key);
      case "flash":
        return s.flash("f", action.value);
      case "show":
        return s.get("f") ?? null;
      case "login":
        s.regenerateId();
        return s.set("userId", action.user);
      case "logout":
        return s.destroy();
    }
  }

  async save(slot: number, now: number): Promise<Saved> {
    this.#now = now;
    const s = this.#slots.get(slot)!;
    this.#slots.delete(slot);
    const dirty = s.dirty;
    const regenerated = stateOf(s).phase === "regenerated";
    const setCookie = await this.#storage.save(s);
    return { setCookie, id: s.id, dirty, regenerated };
  }

  async revokeAll(user: string, exceptSlot: number | null, now: number): Promise<number> {
    this.#now = now;
    const except = exceptSlot === null ? undefined : this.#slots.get(exceptSlot);
    return this.#storage.destroyAllSessions(user, { except });
  }

  async isFresh(cookie: string, now: number): Promise<boolean> {
    this.#now = now;
    return (await this.#storage.read(cookie)).isNew;
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
