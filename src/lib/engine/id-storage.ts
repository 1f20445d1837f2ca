import type { Session, SessionData } from "../session/session.js";
import { fromStrategy, isStrategy, type SessionIdStorageStrategy } from "../stores/strategy.js";
import type { SessionStore } from "../stores/store.js";
import { createCarrier } from "../token/carrier.js";
import { Engine } from "./engine.js";
import { sessionCookie } from "./session-cookie.js";
import { storeCall } from "./store-call.js";
import { StoreBackend } from "./store-backend.js";
import { sessionCheck } from "./schema.js";
import { signInPolicy, type SignInOptions } from "./sign-in-policy.js";
import type { SessionStorage, StorageOptions } from "./storage.js";
import { resolveTimeouts } from "./timeouts.js";
import { UserSessions, type SessionInfo } from "./user-sessions.js";

export type { SessionInfo } from "./user-sessions.js";

/** The options of every id storage: the storage's, and the user index's key. */
export interface IdStorageOptions<Data = SessionData> extends StorageOptions<Data>, SignInOptions {
  /**
   * The session key that holds the user id (a key of the session's data, so a
   * typo does not compile). With it, `listSessions(userId)` and
   * `destroyAllSessions(userId)` ("log out everywhere else") work.
   */
  userKey?: NoInfer<keyof Data & string> | undefined;
}

export interface IdSessionStorageOptions<Data = SessionData> extends IdStorageOptions<Data> {
  /**
   * Where the data lives: a `SessionStore`, or a Remix-style strategy
   * `{ createData, readData, updateData, deleteData }`.
   */
  store: SessionStore | SessionIdStorageStrategy;
}

/** A storage whose cookie carries only a signed id; the data lives in `store`. */
export interface IdSessionStorage<Data = SessionData, FlashData = Data, Store extends SessionStore = SessionStore>
  extends SessionStorage<Data, FlashData> {
  /** The store the data lives in (`storage.store.ensureTable()` for PostgreSQL, `settled()` for files). */
  readonly store: Store;
  /** The live sessions of `userId` (needs `userKey`). */
  listSessions(userId: string, options?: { current?: Session<Data, FlashData> | undefined }): Promise<SessionInfo<Data>[]>;
  /** Ends every session of `userId` but `except`; returns how many ended. */
  destroyAllSessions(userId: string, options?: { except?: Session<Data, FlashData> | undefined }): Promise<number>;
  /** Ends one session of `userId`, named by the handle `listSessions` gave. */
  destroyUserSession(userId: string, handle: string): Promise<boolean>;
  /** Deletes expired sessions from the store, when it supports it; returns how many. */
  purge(): Promise<number>;
}

class IdStorage<Data, FlashData, Store extends SessionStore> extends Engine<Data, FlashData> implements IdSessionStorage<Data, FlashData, Store> {
  readonly #users: UserSessions;
  readonly #now: () => number;

  constructor(
    readonly store: Store,
    options: IdStorageOptions<Data>,
  ) {
    const timeouts = resolveTimeouts(options);
    const cookie = sessionCookie(options.cookie, false, timeouts.now);
    const backend = new StoreBackend<Data, FlashData>(store, cookie.crypto, timeouts, options.userKey);
    const users = new UserSessions(store, cookie.crypto, options.userKey, timeouts.now);
    const indexed = typeof store.listByUser === "function" && typeof store.deleteByUser === "function";
    const signedIn = signInPolicy(users, indexed, options.userKey, options, cookie.name, cookie.crypto);
    super({ backend, cookie, carrier: createCarrier(options.transport, cookie), timeouts, onEvent: options.onEvent, check: sessionCheck(options), signedIn });
    this.#users = users;
    this.#now = timeouts.now;
  }

  async listSessions(userId: string, options: { current?: Session<Data, FlashData> | undefined } = {}): Promise<SessionInfo<Data>[]> {
    // The store holds what this storage's sessions saved: their data type.
    return this.#users.list(userId, options?.current) as Promise<SessionInfo<Data>[]>;
  }

  async destroyAllSessions(userId: string, options: { except?: Session<Data, FlashData> | undefined } = {}): Promise<number> {
    return this.#users.destroyAll(userId, options?.except);
  }

  async destroyUserSession(userId: string, handle: string): Promise<boolean> {
    return this.#users.destroyOne(userId, handle);
  }

  async purge(): Promise<number> {
    const purge = this.store.purge?.bind(this.store);
    return purge ? storeCall("purge", () => purge(this.#now())) : 0;
  }
}

/** A storage over `store`, for the factories of each store (one options shape, one return type). */
export function storageOver<Data, FlashData, Store extends SessionStore>(
  store: Store,
  options: IdStorageOptions<Data>,
): IdSessionStorage<Data, FlashData, Store> {
  return new IdStorage<Data, FlashData, Store>(store, options);
}

/**
 * Sessions whose cookie carries only a signed id, with the data in `store`.
 *
 * ```ts
 * const storage = createSessionStorage({ store: myStore, cookie: { secrets: [process.env.SESSION_SECRET!] } });
 * ```
 */
export function createSessionStorage<Data = SessionData, FlashData = Data>(options: IdSessionStorageOptions<Data>): IdSessionStorage<Data, FlashData> {
  const store = isStrategy(options.store) ? fromStrategy(options.store) : options.store;
  return storageOver<Data, FlashData, SessionStore>(store, options);
}
