import type { CryptoBackend } from "../crypto/types.js";
import { SessionConfigError } from "../errors.js";
import { storedDevice, type Device } from "../session/device.js";
import { unflashKey } from "../session/flash-keys.js";
import { ownValues } from "../session/reserved-keys.js";
import { Session, stateOf, type SessionData } from "../session/session.js";
import type { SessionStore } from "../stores/store.js";
import { storeCall } from "./store-call.js";
import type { StoredCarried } from "./store-backend.js";

/** One session of a user, as `listSessions` shows it: never its id or its store key. */
export interface SessionInfo<Data = SessionData> {
  /** An opaque handle for `destroyUserSession`; it cannot be used as a session. */
  handle: string;
  /** True for the session passed as `current`. */
  current: boolean;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  /** The device it was used from, when the app noted one (`recordDevice`). */
  device: Device | undefined;
  /** The stored values (flash values left out): the session's data type, each key possibly absent. */
  data: Partial<Data>;
}

/**
 * "Log out everywhere": a user's sessions through the store's user index. The
 * index is keyed by store keys; a listing shows handles derived from them, so
 * neither an id nor a store key ever leaves the server (docs/security.md, B8).
 */
export class UserSessions {
  constructor(
    private readonly store: SessionStore,
    private readonly crypto: CryptoBackend,
    private readonly userKey: string | undefined,
    private readonly now: () => number,
  ) {}

  async list(userId: string, current: Session<any, any> | undefined): Promise<SessionInfo[]> {
    const { listByUser } = this.#index("listSessions");
    const currentKey = this.#storedKey(current, "current");
    const rows = await storeCall("listByUser", () => listByUser(String(userId), this.now()));
    const infos = await Promise.all(
      rows.map(async ({ key, record }) => ({
        handle: await this.#handleOf(key),
        current: key === currentKey,
        createdAt: new Date(record.createdAt),
        lastSeenAt: new Date(record.lastSeenAt),
        expiresAt: new Date(record.expiresAt),
        device: storedDevice(record.data),
        // tessera's own keys (the step-up record, the CSRF secret, the device) are not the app's values.
        data: ownValues(Object.fromEntries(Object.entries(record.data).filter(([k]) => unflashKey(k) === undefined))),
      })),
    );
    return infos.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
  }

  async destroyAll(userId: string, except: Session<any, any> | undefined): Promise<number> {
    const { deleteByUser } = this.#index("destroyAllSessions");
    const exceptKey = this.#storedKey(except, "except");
    return storeCall("deleteByUser", () => deleteByUser(String(userId), exceptKey, this.now()));
  }

  async destroyOne(userId: string, handle: string): Promise<boolean> {
    const { listByUser } = this.#index("destroyUserSession");
    const rows = await storeCall("listByUser", () => listByUser(String(userId), this.now()));
    for (const { key } of rows) {
      // The session may have moved to a new id since the listing (a sign-in on that device): then
      // nothing is deleted, and its new handle is in the next listing.
      if ((await this.#handleOf(key)) === handle) return (await storeCall("delete", () => this.store.delete(key))) !== false;
    }
    return false;
  }

  #index(what: string): Required<Pick<SessionStore, "listByUser" | "deleteByUser">> {
    if (this.userKey === undefined) {
      throw new SessionConfigError(`${what} needs the userKey option: the session key that holds the user id, e.g. userKey: "userId"`);
    }
    const { listByUser, deleteByUser } = this.store;
    if (!listByUser || !deleteByUser) throw new SessionConfigError(`${what}: this store keeps no user index (it has no listByUser/deleteByUser)`);
    return { listByUser: listByUser.bind(this.store), deleteByUser: deleteByUser.bind(this.store) };
  }

  /** The store key of `session` when it has a record, whenever that was written (read, or created or regenerated in this request). */
  #storedKey(session: Session<any, any> | undefined, option: string): string | undefined {
    if (session === undefined) return undefined;
    if (!(session instanceof Session)) {
      throw new TypeError(`option ${option} must be a session read from this storage, got ${session === null ? "null" : typeof session}`);
    }
    const state = stateOf(session);
    if (state.phase === "destroyed" || state.storedId === undefined) return undefined;
    return (state.carried as StoredCarried | undefined)?.key;
  }

  async #handleOf(key: string): Promise<string> {
    const h = this.crypto.sha256(`handle:${key}`);
    return (h instanceof Promise ? await h : h).slice(0, 22);
  }
}
