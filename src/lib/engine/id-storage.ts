import { checkMaxAge } from "../cookie/attributes.js";
import type { SealedCookie } from "../cookie/cookie.js";
import type { CookieInput } from "../cookie/header.js";
import { cryptoBackend } from "../crypto/backend.js";
import { promised, then, type MaybePromise } from "../util/maybe-promise.js";
import { SessionConfigError, SessionStoreError } from "../errors.js";
import { emit, type SessionEventListener } from "./events.js";
import { Session, flashKey, flashKeys, unflashKey, type SessionData } from "../session/session.js";
import { createTransport, type Transport } from "../token/carrier.js";
import { VerifiedTokens } from "./verified-tokens.js";
import { putOwn } from "../util/own.js";
import {
  readNow,
  saveNow,
  sessionCookie,
  type AnswersAtOnce,
  type CommitOptions,
  type SessionStorage,
  type StorageOptions,
} from "./storage.js";
import { fromStrategy, isStrategy, type SessionIdStorageStrategy } from "../stores/strategy.js";
import type { Awaitable, SessionPatch, SessionRecord, SessionStore } from "../stores/store.js";
import { expiryOf, resolveTimeouts, secondsUntil, type Timeouts } from "./timeouts.js";

export interface IdSessionStorageOptions extends StorageOptions {
  /**
   * Where the data lives: a `SessionStore`, or a Remix-style strategy
   * `{ createData, readData, updateData, deleteData }`.
   */
  store: SessionStore | SessionIdStorageStrategy;
  /**
   * The session key that holds the user id. With it, `listSessions(userId)` and
   * `destroyAllSessions(userId)` ("log out everywhere else") work.
   */
  userKey?: string;
}

/** One session of a user, as `listSessions` shows it: never its id or its store key. */
export interface SessionInfo {
  /** An opaque handle for `destroyUserSession`; it cannot be used as a session. */
  handle: string;
  /** True for the session passed as `current`. */
  current: boolean;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  /** The stored values (flash values left out). */
  data: Record<string, unknown>;
}

/** A storage whose cookie carries only a signed id; the data lives in a store. */
export interface IdSessionStorage<Data = SessionData, FlashData = Data> extends SessionStorage<Data, FlashData> {
  /** The live sessions of `userId` (needs `userKey`). */
  listSessions(userId: string, options?: { current?: Session<Data, FlashData> }): Promise<SessionInfo[]>;
  /** Ends every session of `userId` but `except`; returns how many ended. */
  destroyAllSessions(userId: string, options?: { except?: Session<Data, FlashData> }): Promise<number>;
  /** Ends one session of `userId`, named by the handle `listSessions` gave. */
  destroyUserSession(userId: string, handle: string): Promise<boolean>;
  /** Deletes expired sessions from the store, when it supports it; returns how many. */
  purge(): Promise<number>;
}

/** 24 random bytes: 192 bits from the CSPRNG, 32 base64url characters. */
const ID_BYTES = 24;
const ID_LENGTH = 32;
/** An authentic token's session id and store key. */
interface VerifiedToken {
  id: string;
  key: string;
}

/** Exactly what `newId` makes; anything else never reaches a store (SECURITY B4). */
const ID_SHAPE = /^[A-Za-z0-9_-]{32}$/;

/**
 * A store failure as the app and its clients may see it: the message names the
 * operation only, since integrations expose it in a 503; the store's own
 * error, with its host names, ports and driver text, stays in `cause` for logs.
 */
function storeError(what: string, error: unknown): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  return new SessionStoreError(`session store ${what} failed`, { cause: error });
}

/**
 * Separates stored flash values (`__flash_<key>__`) from ordinary ones. Most
 * records hold none, and then the parsed object is used as it is: copying it
 * key by key cost more than the store read (measured with bench/stores.ts).
 */
function splitFlash(stored: Record<string, unknown>): { data: Record<string, unknown>; flash: Record<string, unknown> | null } {
  const keys = Object.keys(stored);
  if (!keys.some((k) => unflashKey(k) !== undefined)) return { data: stored, flash: null };
  const data: Record<string, unknown> = Object.create(null);
  const flash: Record<string, unknown> = Object.create(null);
  for (const k of keys) {
    const f = unflashKey(k);
    if (f === undefined) data[k] = stored[k];
    else flash[f] = stored[k];
  }
  return { data, flash };
}

export function newId(): string {
  const backend = cryptoBackend();
  return backend.toBase64Url(backend.random(ID_BYTES));
}

/**
 * Sessions whose cookie carries only a signed id, with the data in `store`.
 *
 * ```ts
 * const storage = createSessionStorage({ store: myStore, cookie: { secrets: [process.env.SESSION_SECRET!] } });
 * ```
 */
export function createSessionStorage<Data = SessionData, FlashData = Data>(
  options: IdSessionStorageOptions,
): IdSessionStorage<Data, FlashData> {
  return new IdStorage<Data, FlashData>(options);
}

class IdStorage<Data, FlashData> implements IdSessionStorage<Data, FlashData>, AnswersAtOnce<Data, FlashData> {
  readonly cookie: SealedCookie;
  readonly transport: Transport;
  private readonly store: SessionStore;
  private readonly t: Timeouts;
  private readonly userKey: string | undefined;
  private readonly onEvent: SessionEventListener | undefined;
  /** Authentic tokens, each with its id and store key joined in one string (about 250 bytes an entry). */
  private readonly verified = new VerifiedTokens<string>();

  constructor(options: IdSessionStorageOptions) {
    this.t = resolveTimeouts(options);
    this.cookie = sessionCookie(options.cookie, false, this.t.now);
    this.transport = createTransport(options.transport, this.cookie);
    this.store = isStrategy(options.store) ? fromStrategy(options.store) : options.store;
    this.userKey = options.userKey;
    this.onEvent = options.onEvent;
  }

  /** The store key of an id: its SHA-256, so the store never holds a usable token (SECURITY B1). */
  private keyOf(id: string): MaybePromise<string> {
    return cryptoBackend().sha256(id);
  }

  /**
   * Runs a store call, turning any failure into a `SessionStoreError` (never an
   * anonymous session). A store that answers without a promise gets none made
   * for it: on the hot paths the caller awaits only what is a promise.
   */
  private call<T>(what: string, fn: () => Awaitable<T>): Awaitable<T> {
    let out: Awaitable<T>;
    try {
      out = fn();
    } catch (error) {
      throw storeError(what, error);
    }
    return out instanceof Promise
      ? out.catch((error: unknown) => {
          throw storeError(what, error);
        })
      : out;
  }

  private fresh(now: number): Session<Data, FlashData> {
    return new Session<Data, FlashData>({ id: newId(), isNew: true, createdAt: now, expiresAt: expiryOf(this.t, now, now), newId });
  }

  read(input: CookieInput): Promise<Session<Data, FlashData>> {
    return promised(() => this[readNow](input));
  }

  /** `read`, without a promise when the token is remembered and the store answers at once. */
  [readNow](input: CookieInput): MaybePromise<Session<Data, FlashData>> {
    const now = this.t.now();
    const raw = this.transport.token(input);
    if (!raw) return this.fresh(now);
    const known = this.verified.get(raw);
    return known ? this.load({ id: known.slice(0, ID_LENGTH), key: known.slice(ID_LENGTH) }, false, now) : this.verify(raw, now);
  }

  /** Checks a token not remembered: only an authentic value of exactly our id's shape goes further (SECURITY B4). */
  private verify(raw: string, now: number): MaybePromise<Session<Data, FlashData>> {
    return then(this.cookie.openValue(raw), (opened) => {
      const id = opened && opened.json.length === 34 ? opened.json.slice(1, -1) : "";
      if (!opened || !ID_SHAPE.test(id) || opened.json !== `"${id}"`) return this.rejected(raw, "tampered", now);
      return then(this.keyOf(id), (key) => {
        // A token under an older secret is about to be replaced: not worth remembering.
        if (!opened.stale) this.verified.add(raw, id + key);
        return this.load({ id, key }, opened.stale, now);
      });
    });
  }

  /** The stored session of an authentic token. */
  private load(token: VerifiedToken, stale: boolean, now: number): MaybePromise<Session<Data, FlashData>> {
    const store = this.store;
    return then(this.call("read", () => store.get(token.key, now)), (record) => {
      // Strict: an id the store does not know (never issued, expired, destroyed) is never adopted (B3).
      if (!record || record.expiresAt <= now) return this.rejected(token.id, "unknown", now);
      const { data, flash } = splitFlash(record.data);
      if (flash === null || this.store.take === undefined) return this.sessionOf(token, stale, record, data, flash, false);
      // Claim the flash before anyone sees it: a concurrent request gets none (shown once).
      return this.takeFlash(token.key, Object.keys(flash), now).then((won) =>
        won === undefined ? this.fresh(now) /* destroyed meanwhile */ : this.sessionOf(token, stale, record, data, won, true),
      );
    });
  }

  private sessionOf(
    token: VerifiedToken,
    stale: boolean,
    record: SessionRecord,
    data: Record<string, unknown>,
    flash: Record<string, unknown> | null,
    flashTaken: boolean,
  ): Session<Data, FlashData> {
    const session = new Session<Data, FlashData>({
      id: token.id,
      data,
      flash,
      flashTaken,
      isNew: false,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      maxAge: record.maxAge,
      newId,
    });
    session._key = token.key;
    session._lastSeenAt = record.lastSeenAt;
    session._owner = record.userId;
    // A cookie signed with an older secret is re-issued under the current one (the id stays).
    session._stale = stale;
    return session;
  }

  /** A presented session that is refused: a fresh one, after the event (when someone listens). */
  private rejected(presented: string, reason: "tampered" | "unknown", now: number): MaybePromise<Session<Data, FlashData>> {
    if (!this.onEvent) return this.fresh(now);
    return emit(this.onEvent, this.cookie.name, presented, "rejected", reason).then(() => this.fresh(now));
  }

  /** Takes the flash values `names` out of the store: those this request won, or undefined when the session is gone. */
  private async takeFlash(key: string, names: string[], now: number): Promise<Record<string, unknown> | null | undefined> {
    const taken = await this.call("read", () => this.store.take!(key, names.map(flashKey), now));
    if (taken === null) return undefined;
    const flash: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(taken)) flash[unflashKey(k)!] = taken[k];
    return Object.keys(flash).length > 0 ? flash : null;
  }

  private userOf(data: Record<string, unknown>): string | null {
    if (this.userKey === undefined || !Object.hasOwn(data, this.userKey)) return null;
    const user = data[this.userKey];
    return typeof user === "string" || typeof user === "number" ? String(user) : null;
  }

  /** The full record of a session (for creation and regeneration): its values, and the flash values still to show. */
  private recordOf(session: Session<Data, FlashData>, now: number): SessionRecord {
    const data: Record<string, unknown> = { ...session._data };
    const unread = session._flashIn;
    if (unread) for (const k of flashKeys(session, false)) putOwn(data, flashKey(k), unread[k]);
    if (session._flashOut) for (const k of Object.keys(session._flashOut)) putOwn(data, flashKey(k), session._flashOut[k]);
    const createdAt = session._createdAt;
    const record: SessionRecord = {
      data,
      createdAt,
      lastSeenAt: now,
      expiresAt: expiryOf(this.t, createdAt, now),
      userId: this.userOf(session._data) ?? undefined,
    };
    if (session._maxAge !== undefined) record.maxAge = session._maxAge;
    return record;
  }

  /** Only what this request changed: concurrent requests that change other keys both survive. */
  private patchOf(session: Session<Data, FlashData>, now: number): SessionPatch {
    const patch: SessionPatch = {
      clear: session._cleared,
      set: {},
      unset: [],
      lastSeenAt: now,
      expiresAt: expiryOf(this.t, session._createdAt, now),
    };
    const put = (k: string, v: unknown) => putOwn(patch.set, k, v);
    if (session._cleared) {
      for (const k of Object.keys(session._data)) put(k, session._data[k]);
    } else if (session._changes) {
      for (const [k, v] of session._changes) {
        if (v === undefined) patch.unset.push(k);
        else put(k, v);
      }
    }
    const out = session._flashOut;
    const flashIn = session._flashIn;
    if (flashIn && !session._flashTaken) {
      // Consume the flash values this request read, unless it flashed the same key again.
      for (const k of flashKeys(session, true)) if (!out || !Object.hasOwn(out, k)) patch.unset.push(flashKey(k));
    } else if (flashIn) {
      // Taken from the store as the session was read, but never looked at: put them back
      // (a favicon or a prefetch does not eat the flash meant for the page).
      const unread = flashKeys(session, false);
      if (unread.length > 0) {
        const restore: Record<string, unknown> = {};
        for (const k of unread) putOwn(restore, flashKey(k), flashIn[k]);
        patch.restore = restore;
      }
    }
    if (out) for (const k of Object.keys(out)) put(flashKey(k), out[k]);
    if (this.userKey !== undefined && (session._cleared || session._changes?.has(this.userKey))) {
      patch.userId = this.userOf(session._data);
    }
    if (session._maxAgeChanged) patch.maxAge = session._maxAge ?? null;
    return patch;
  }

  /** The cookie lifetime of `session`: its own (`setMaxAge`), else the storage's. */
  private lifetimeOf(session: Session<Data, FlashData>): number | undefined {
    return session._maxAge ?? this.cookie.attributes.maxAge;
  }

  private setCookie(session: Session<Data, FlashData>, expiresAt: number, now: number) {
    const maxAge = this.lifetimeOf(session);
    const value = this.cookie.sealValue(JSON.stringify(session.id));
    const cap = maxAge === undefined ? undefined : Math.min(maxAge, secondsUntil(expiresAt, now));
    const issue = (token: string) => {
      // The client will present this token next: it is known authentic already.
      if (session._key !== undefined) this.verified.add(token, session.id + session._key);
      return this.transport.issue(token, cap);
    };
    return then(value, issue);
  }

  save(session: Session<Data, FlashData>): Promise<string | null> {
    return promised(() => this.persist(session, false));
  }

  [saveNow](session: Session<Data, FlashData>): MaybePromise<string | null> {
    return this.persist(session, false);
  }

  /** True when `session` has a record in the store: read from it, or written by this request. */
  private stored(session: Session<Data, FlashData>): boolean {
    return !session.isNew || session._created;
  }

  /**
   * Saves the session: without a promise when only its changes or its expiry go
   * to a store that answers at once. This is the one place that decides what a
   * save does: end, replace (regenerate), create, update, touch, or nothing.
   */
  private persist(session: Session<Data, FlashData>, always: boolean): MaybePromise<string | null> {
    const now = this.t.now();
    if (session.destroyed) return this.remove(session).then(() => this.transport.clear());
    if (session._regenerated && session._previousId !== undefined) return this.regenerate(session, now, always);
    if (!this.stored(session)) {
      // An untouched new session is never written (SECURITY B5).
      if (!session.dirty && !always) return null;
      return this.createNew(session, now);
    }
    const touchDue = now - (session._lastSeenAt ?? now) >= this.t.touch;
    const resend = always || session._stale || (touchDue && this.lifetimeOf(session) !== undefined);
    const reply = (alive: boolean): MaybePromise<string | null> => {
      if (!alive) return this.gone(session, always);
      return resend ? this.setCookie(session, session._expiresAt ?? now, now) : null;
    };
    if (!session.dirty && !touchDue) return reply(true);
    return then(
      then(session._key ?? this.keyOf(session.id), (key) => this.write(session, key, now)),
      reply,
    );
  }

  /**
   * The session ended meanwhile: a logout, "log out everywhere", an expiry, or
   * another request's regenerateId(). Nothing was written (SECURITY E2, L1), and
   * the client's cookie is left alone: after a login elsewhere it already holds
   * the new session's token, which an expiring cookie would wipe. An explicit
   * commitSession() must answer with a header, so it gets an expiring one.
   */
  private gone(session: Session<Data, FlashData>, always: boolean): string | null {
    session.destroy();
    return always ? this.transport.clear() : null;
  }

  /** Stores this request's changes, or only the new expiry; false when the session is gone. */
  private write(session: Session<Data, FlashData>, key: string, now: number): MaybePromise<boolean> {
    const store = this.store;
    if (session.dirty) {
      const patch = this.patchOf(session, now);
      return then(this.call("update", () => store.update(key, patch, now)), (alive) => {
        if (alive) this.settle(session, patch.lastSeenAt, patch.expiresAt);
        return alive;
      });
    }
    const expiresAt = expiryOf(this.t, session._createdAt, now);
    return then(this.call("touch", () => store.touch(key, now, expiresAt, now, session._owner)), (alive) => {
      if (alive) this.settle(session, now, expiresAt);
      return alive;
    });
  }

  /**
   * regenerateId(): the old record is replaced by the new one in one store step
   * (SECURITY C1, L1, L2). If the old session ended meanwhile, nothing is
   * created; if the new record cannot be written, the old one is untouched.
   */
  private async regenerate(session: Session<Data, FlashData>, now: number, always: boolean): Promise<string | null> {
    const record = this.recordOf(session, now);
    const [oldKey, newKey] = await Promise.all([this.keyOf(session._previousId!), this.keyOf(session.id)]);
    const replaced = await this.call("replace", () => this.store.replace(oldKey, newKey, record, now));
    if (!replaced) return this.gone(session, always);
    this.markStored(session, newKey, record);
    await emit(this.onEvent, this.cookie.name, session.id, "regenerated");
    return this.setCookie(session, record.expiresAt, now);
  }

  private async createNew(session: Session<Data, FlashData>, now: number): Promise<string> {
    const record = this.recordOf(session, now);
    const key = await this.keyOf(session.id);
    await this.call("create", () => this.store.create(key, record));
    this.markStored(session, key, record);
    await emit(this.onEvent, this.cookie.name, session.id, "created");
    return this.setCookie(session, record.expiresAt, now);
  }

  /** After a create or a replace the session is an ordinary stored one: a later save updates it. */
  private markStored(session: Session<Data, FlashData>, key: string, record: SessionRecord): void {
    session._key = key;
    session._created = true;
    session._regenerated = false;
    session._previousId = undefined;
    session._owner = record.userId;
    this.settle(session, record.lastSeenAt, record.expiresAt);
  }

  /** After a write the session starts over: its changes are stored. */
  private settle(session: Session<Data, FlashData>, lastSeenAt: number, expiresAt: number): void {
    session._lastSeenAt = lastSeenAt;
    session._expiresAt = expiresAt;
  }

  private async remove(session: Session<Data, FlashData>): Promise<void> {
    // A regenerated session's record is still under its old id; a new one never written has none.
    const id = session._regenerated && session._previousId !== undefined ? session._previousId : this.stored(session) ? session.id : undefined;
    if (id === undefined) return;
    const key = await this.keyOf(id);
    await this.call("delete", () => this.store.delete(key));
    await emit(this.onEvent, this.cookie.name, id, "destroyed");
  }

  getSession(cookieHeader?: string | null): Promise<Session<Data, FlashData>> {
    return this.read(cookieHeader);
  }

  async commitSession(session: Session<Data, FlashData>, options: CommitOptions = {}): Promise<string> {
    // A lifetime given here is the session's own from now on: every re-issue of its cookie keeps it.
    if (options.maxAge !== undefined && !session.destroyed) session.setMaxAge(checkMaxAge(options.maxAge)!);
    return (await this.persist(session, true))!;
  }

  async destroySession(session: Session<Data, FlashData>): Promise<string> {
    session.destroy();
    await this.remove(session);
    return this.transport.clear();
  }

  private requireUsers(what: string): Required<Pick<SessionStore, "listByUser" | "deleteByUser">> {
    if (this.userKey === undefined) {
      throw new SessionConfigError(`${what} needs the userKey option: the session key that holds the user id, e.g. userKey: "userId"`);
    }
    const { listByUser, deleteByUser } = this.store;
    if (!listByUser || !deleteByUser) throw new SessionConfigError(`${what}: this store keeps no user index (it has no listByUser/deleteByUser)`);
    return { listByUser: listByUser.bind(this.store), deleteByUser: deleteByUser.bind(this.store) };
  }

  /**
   * The store key of `session` when it has a record, whenever that was written
   * (read from the store, or created or regenerated by this very request).
   */
  private async storedKey(session: Session<Data, FlashData> | undefined, option: string): Promise<string | undefined> {
    if (session === undefined) return undefined;
    if (!(session instanceof Session)) {
      throw new TypeError(`option ${option} must be a session read from this storage, got ${session === null ? "null" : typeof session}`);
    }
    if (session.destroyed || !this.stored(session)) return undefined;
    if (session._regenerated && session._previousId !== undefined) return this.keyOf(session._previousId);
    return session._key ?? this.keyOf(session.id);
  }

  private async handleOf(key: string): Promise<string> {
    const h = cryptoBackend().sha256(`handle:${key}`);
    return (h instanceof Promise ? await h : h).slice(0, 22);
  }

  async listSessions(userId: string, options: { current?: Session<Data, FlashData> } = {}): Promise<SessionInfo[]> {
    const { listByUser } = this.requireUsers("listSessions");
    const currentKey = await this.storedKey(options?.current, "current");
    const now = this.t.now();
    const rows = await this.call("listByUser", () => listByUser(String(userId), now));
    const infos = await Promise.all(
      rows.map(async ({ key, record }) => ({
        handle: await this.handleOf(key),
        current: key === currentKey,
        createdAt: new Date(record.createdAt),
        lastSeenAt: new Date(record.lastSeenAt),
        expiresAt: new Date(record.expiresAt),
        data: Object.fromEntries(Object.entries(record.data).filter(([k]) => unflashKey(k) === undefined)),
      })),
    );
    return infos.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
  }

  async destroyAllSessions(userId: string, options: { except?: Session<Data, FlashData> } = {}): Promise<number> {
    const { deleteByUser } = this.requireUsers("destroyAllSessions");
    const except = await this.storedKey(options?.except, "except");
    return this.call("deleteByUser", () => deleteByUser(String(userId), except, this.t.now()));
  }

  async destroyUserSession(userId: string, handle: string): Promise<boolean> {
    const { listByUser } = this.requireUsers("destroyUserSession");
    const rows = await this.call("listByUser", () => listByUser(String(userId), this.t.now()));
    for (const { key } of rows) {
      if ((await this.handleOf(key)) === handle) {
        await this.call("delete", () => this.store.delete(key));
        return true;
      }
    }
    return false;
  }

  async purge(): Promise<number> {
    const purge = this.store.purge?.bind(this.store);
    return purge ? this.call("purge", () => purge(this.t.now())) : 0;
  }
}
