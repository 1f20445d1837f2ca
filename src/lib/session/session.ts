import { putOwn } from "../util/own.js";
import { checkKey, flashKeys } from "./flash-keys.js";
import { AUTH_KEY, CSRF_KEY, keptBySignIn, ownValues, REVOCATION_KEY } from "./reserved-keys.js";
import { emptyRecord, hasOwn, markRead, putValue, writable, type SessionInit, type SessionState, type State } from "./state.js";
import { authenticationOf, withMethod, type Authentication } from "./authentication.js";
export type { Authentication } from "./authentication.js";
export type { Phase, SessionInit, SessionState } from "./state.js";
import { checkJsonValue, checkLifetime } from "./checks.js";
import type { JsonSafe } from "./json.js";
export type { Json, JsonSafe } from "./json.js";

/** Session values: anything JSON can carry (`set` refuses the rest, at compile time and at run time). */
export type SessionData = { [key: string]: unknown };

type ValueOf<Data, FlashData, K> =
  | (K extends keyof Data ? Data[K] : never)
  | (K extends keyof FlashData ? FlashData[K] : never);

let stateOfSession: (session: Session<any, any>) => State;

/**
 * One client's session for the length of a request. It knows nothing of stores
 * or cookies: the storage that made it reads its changes when it is saved.
 *
 * ```ts
 * const session = await storage.read(request);
 * session.set("count", Number(session.get("count") ?? 0) + 1);
 * session.flash("notice", "Saved");       // readable during the next request that reads it
 * ```
 */
export class Session<Data = SessionData, FlashData = Data> {
  readonly #s: State;

  static {
    stateOfSession = (session) => session.#s;
  }

  /** @internal Sessions come from a storage's `read`/`getSession`. */
  constructor(init: SessionInit) {
    this.#s = {
      id: init.id,
      phase: init.isNew ? "new" : "stored",
      storedId: init.isNew ? undefined : init.id,
      isNew: init.isNew,
      createdAt: init.createdAt,
      expiresAt: init.expiresAt,
      data: init.data ?? emptyRecord(),
      flashIn: init.flash ?? null,
      flashRead: null,
      flashOut: null,
      flashTaken: init.flashTaken ?? false,
      changes: null,
      cleared: false,
      maxAge: init.maxAge,
      maxAgeChanged: false,
      carried: init.carried,
      newId: init.newId,
      touched: false,
      token: undefined,
      reread: undefined,
      now: init.now ?? Date.now,
    };
  }

  /** The session id; empty for cookie sessions, which carry their data instead. */
  get id(): string {
    return this.#s.id;
  }

  /** True when the request brought no valid session. */
  get isNew(): boolean {
    return this.#s.isNew;
  }

  /** When the session began (never extended: the absolute timeout counts from here). */
  get createdAt(): Date {
    return new Date(this.#s.createdAt);
  }

  /** When the session ends if nothing else happens (idle or absolute timeout, whichever first). */
  get expiresAt(): Date | undefined {
    const at = this.#s.expiresAt;
    return at === undefined ? undefined : new Date(at);
  }

  /**
   * The value of `key`: a flash value from the previous request wins over a
   * stored one, and reading it is what consumes it (gone after this request).
   * A destroyed session has no values.
   */
  get<K extends (keyof Data | keyof FlashData) & string>(key: K): ValueOf<Data, FlashData, K> | undefined {
    const s = this.#s;
    const flash = s.flashIn;
    if (flash !== null && hasOwn(flash, key)) {
      markRead(s, key);
      return flash[key] as ValueOf<Data, FlashData, K>;
    }
    return (hasOwn(s.data, key) ? s.data[key] : undefined) as ValueOf<Data, FlashData, K> | undefined;
  }

  /** Whether `key` holds a value (asking about a flash value consumes it, as reading it does). */
  has(key: (keyof Data | keyof FlashData) & string): boolean {
    const s = this.#s;
    if (s.flashIn !== null && hasOwn(s.flashIn, key)) {
      markRead(s, key);
      return true;
    }
    return hasOwn(s.data, key);
  }

  /**
   * Stores `value`: JSON data only. A `Date`, `Map`, `Set` or function does not
   * compile, and a class instance (or anything else JSON would change) is a
   * `TypeError` naming the key. `set(key, undefined)` unsets.
   */
  set<K extends keyof Data & string, V extends Data[K]>(key: K, value: V & JsonSafe<V>): void {
    const s = writable(this.#s);
    checkKey(key);
    if (value === undefined) return this.unset(key);
    checkJsonValue(key, value);
    putValue(s, key, value);
  }

  unset(key: keyof Data & string): void {
    const s = writable(this.#s);
    putValue(s, checkKey(key), undefined);
  }

  /**
   * Stores `value` for the next request that reads it: every read in that
   * request sees it, then it is gone. A request that never reads it (a
   * favicon, a prefetch) leaves it in place.
   */
  flash<K extends keyof FlashData & string, V extends FlashData[K]>(key: K, value: V & JsonSafe<V>): void {
    const s = writable(this.#s);
    checkKey(key);
    checkJsonValue(key, value);
    putOwn((s.flashOut ??= emptyRecord()), key, value);
  }

  /**
   * Extends the session without changing it (express-session's `touch()`):
   * saving slides its idle timeout and re-sends a cookie that has a lifetime,
   * as a due sliding refresh would. A session never stored stays unsaved.
   */
  touch(): void {
    writable(this.#s).touched = true;
  }

  /**
   * Records that the user just proved who they are, and how (`"password"`,
   * `"totp"`, `"webauthn"`, …): `requireRecentAuth(session, { maxAge })` then
   * tells a sensitive action whether that was recent enough. Call it at sign-in
   * and after each re-authentication; kept by `regenerateId()` (with `keep`, a sign-in:
   * only the methods marked in the same request), gone with `clear()` and `destroy()`.
   */
  markAuthenticated(options: { method: string }): void {
    const s = writable(this.#s);
    putValue(s, AUTH_KEY, withMethod(s.data[AUTH_KEY], options.method, s.now()));
    (s.proven ??= []).push(options.method);
  }

  /** When the user last proved who they are, and by which methods (`markAuthenticated`); undefined when never. */
  get authentication(): Authentication | undefined {
    return authenticationOf(this.#s.data[AUTH_KEY]);
  }

  /**
   * Reads the session again (express-session's `reload()`): this request's unsaved
   * changes go, the flash values it received stay. A session ended meanwhile is now a fresh
   * empty one; a cookie session goes back to its cookie (the one a save in this request issued).
   */
  async reload(): Promise<void> {
    const s = writable(this.#s);
    if (s.reread === undefined) throw new Error("reload(): this session did not come from a storage's read()");
    const again = stateOfSession((await s.reread(s.token, s.sent)) as Session<any, any>);
    if (!again.isNew) {
      // The same session: what this request was given of its flash is its own, already claimed.
      again.flashIn = s.flashIn;
      again.flashRead = s.flashRead;
      (again as { flashTaken: boolean }).flashTaken = s.flashTaken;
    }
    Object.assign(s, again);
  }

  /** Drops every value, flash included; the id stays. */
  clear(): void {
    const s = writable(this.#s);
    s.data = emptyRecord();
    s.flashIn = null;
    s.flashOut = null;
    s.changes = null;
    s.cleared = true;
  }

  /** Everything readable now, as `[key, value]` pairs (flash values included, and so consumed). */
  entries(): Array<[string, unknown]> {
    const s = this.#s;
    if (s.flashIn !== null) s.flashRead = true;
    return Object.entries(ownValues(Object.assign(emptyRecord(), s.data, s.flashIn)));
  }

  /**
   * Gives the session a new id (call it at login: the pre-login id dies, which
   * stops session fixation). Values are kept; pass `keep` to keep only those
   * keys, e.g. `regenerateId({ keep: ["cart"] })` drops a pre-login CSRF token.
   * Saving replaces the old record by the new one in one step: if the old
   * session ended meanwhile (a logout elsewhere), nothing is created.
   */
  regenerateId(options: { keep?: ReadonlyArray<keyof Data & string> | undefined } = {}): void {
    const s = writable(this.#s);
    s.phase = "regenerated";
    if (s.newId) s.id = s.newId();
    if (options.keep) {
      s.data = keptBySignIn(s.data, options.keep, s.proven);
      s.flashIn = null;
      s.cleared = true;
      s.changes = null;
    }
    // A new CSRF secret with every new id: one planted before a sign-in dies with it (docs/security.md, C2).
    if (hasOwn(s.data, CSRF_KEY)) putValue(s, CSRF_KEY, undefined);
    // A cookie session's revocation stamp too: the new session gets its own revocation id.
    if (hasOwn(s.data, REVOCATION_KEY)) putValue(s, REVOCATION_KEY, undefined);
  }

  /**
   * The cookie lifetime of this session in seconds ("remember me"): stored
   * with the session, so every later re-issue of its cookie uses it; `null`
   * goes back to the storage's `cookie.maxAge`. Like express-session's
   * `req.session.cookie.maxAge`, but in seconds as everywhere in tessera.
   */
  setMaxAge(seconds: number | null): void {
    const s = writable(this.#s);
    const next = seconds === null ? undefined : checkLifetime(seconds);
    if (next === s.maxAge) return;
    s.maxAge = next;
    s.maxAgeChanged = true;
  }

  /** The lifetime `setMaxAge` gave this session, or undefined (the storage's `cookie.maxAge` applies). */
  get maxAge(): number | undefined {
    return this.#s.maxAge;
  }

  /**
   * Ends the session: the record is deleted and the cookie expired when it is
   * saved. From now on it reads as empty, and changing it throws.
   */
  destroy(): void {
    const s = this.#s;
    if (s.phase === "destroyed") return;
    s.phase = "destroyed";
    s.data = emptyRecord();
    s.flashIn = null;
    s.flashOut = null;
    s.changes = null;
  }

  get destroyed(): boolean {
    return this.#s.phase === "destroyed";
  }

  /**
   * True when saving must write: values changed, a flash was set, read (to be
   * removed) or taken and left unread (to be put back), the id was
   * regenerated, the lifetime changed, or the session was destroyed.
   */
  get dirty(): boolean {
    const s = this.#s;
    return (
      s.changes !== null ||
      s.cleared ||
      s.flashOut !== null ||
      s.maxAgeChanged ||
      s.phase === "regenerated" ||
      s.phase === "destroyed" ||
      (s.flashIn !== null && flashKeys(s, !s.flashTaken).length > 0)
    );
  }

  /** Never exposes the id: a logged session must not leak a usable token (docs/security.md, B8). */
  toJSON(): { data: Record<string, unknown>; createdAt: string; expiresAt: string | undefined } {
    const s = this.#s;
    return {
      data: { ...ownValues(Object.assign(emptyRecord(), s.data, s.flashIn)) },
      createdAt: this.createdAt.toISOString(),
      expiresAt: this.expiresAt?.toISOString(),
    };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): unknown {
    return this.toJSON();
  }
}

/** @internal The state of `session`, for the storage that saves it (the one way in). */
export function stateOf(session: Session<any, any>): SessionState {
  return stateOfSession(session);
}
