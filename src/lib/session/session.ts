import { putOwn } from "../util/own.js";

/** Session values: anything JSON can carry. */
export type SessionData = { [key: string]: unknown };

type ValueOf<Data, FlashData, K> =
  | (K extends keyof Data ? Data[K] : never)
  | (K extends keyof FlashData ? FlashData[K] : never);

const FLASH_PREFIX = "__flash_";

/** Keys shaped like react-router's stored flash keys (`__flash_<key>__`) are reserved. */
function checkKey(key: unknown): string {
  if (typeof key !== "string") throw new TypeError(`session keys are strings, got ${typeof key}`);
  if (key.startsWith(FLASH_PREFIX) && key.endsWith("__")) {
    throw new TypeError(`session key "${key}" is reserved for flash values: use session.flash("${key.slice(8, -2)}", value)`);
  }
  return key;
}

function emptyRecord(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

// Stored values arrive straight from JSON.parse, whose objects have
// Object.prototype: every read checks own keys only, so "toString" or
// "constructor" are never found by inheritance (SECURITY H1, H3). Making the
// objects prototype-free instead costs about 0.4 us a request (measured).
const hasOwn = Object.hasOwn as (o: object, k: string) => boolean;

/** @internal What a session was loaded with. */
export interface SessionInit {
  id: string;
  data?: Record<string, unknown>;
  flash?: Record<string, unknown> | null;
  /** The flash values were already removed from the store as they were read. */
  flashTaken?: boolean;
  isNew: boolean;
  createdAt: number;
  expiresAt?: number | undefined;
  /** The cookie lifetime this session was given (`setMaxAge`), in seconds. */
  maxAge?: number | undefined;
  newId?: () => string;
}

/**
 * Why `value` cannot be stored as JSON and read back equal, or undefined when
 * it can. A `Date`, `Map`, class instance or `BigInt` would come back as a
 * string, `{}` or an exception at save time, far from the line that set it.
 */
function notJson(value: unknown, path: object[]): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${value} is not a finite number`;
    case "object": {
      if (value === null) return undefined;
      if (path.includes(value)) return "it refers to itself (a cycle)";
      const proto = Object.getPrototypeOf(value) as object | null;
      const isArray = Array.isArray(value);
      if (!isArray && proto !== Object.prototype && proto !== null) {
        return `a ${(value as { constructor?: { name?: string } }).constructor?.name || "class"} instance does not survive JSON; store plain data`;
      }
      path.push(value);
      for (const item of isArray ? (value as unknown[]) : Object.values(value)) {
        if (item === undefined) {
          if (isArray) return "an array holds undefined (JSON turns it into null)";
          continue;
        }
        const problem = notJson(item, path);
        if (problem) return problem;
      }
      path.pop();
      return undefined;
    }
    default:
      return `a ${typeof value} is not JSON data`;
  }
}

/** Refuses a value JSON cannot carry, naming the key: a programmer error, never a store outage. */
function checkValue(key: string, value: unknown): void {
  const problem = notJson(value, []);
  if (problem) throw new TypeError(`session value "${key}" cannot be stored: ${problem}`);
}

/** Seconds a cookie may live: a whole number, at most the 400 days browsers keep (RFC 6265bis). */
function checkLifetime(seconds: unknown): number {
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0 || seconds > 400 * 24 * 3600) {
    throw new TypeError(`setMaxAge(${String(seconds)}): use a whole number of seconds from 0 to 34560000 (400 days), or null`);
  }
  return seconds;
}

function destroyedError(): Error {
  return new Error("Session has been destroyed: it cannot be changed (start a new one with storage.read() in the next request)");
}

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
  /** The session id; empty for cookie sessions, which carry their data instead. */
  id: string;
  /** True when the request brought no valid session. */
  readonly isNew: boolean;
  /** @internal Milliseconds; the Date objects are made only when asked for. */
  _createdAt: number;
  /** @internal */ _expiresAt: number | undefined;

  /** @internal */ _data: Record<string, unknown>;
  /** @internal Flash values set during the previous request: readable now, gone once read. */
  _flashIn: Record<string, unknown> | null;
  /** @internal The keys of `_flashIn` this request read (`true`: all of them, through `entries()`). */
  _flashRead: Set<string> | true | null = null;
  /** @internal Flash values set now: readable during the next request. */
  _flashOut: Record<string, unknown> | null = null;
  /** @internal Keys set (to a value) or unset (undefined) by this request. */
  _changes: Map<string, unknown> | null = null;
  /** @internal Every stored value was dropped (clear, regenerate with keep). */
  _cleared = false;
  /** @internal `regenerateId()` was called: saving issues a new id. */
  _regenerated = false;
  /** @internal The stored id this session had before `regenerateId()`: saving replaces its record. */
  _previousId: string | undefined;
  /** @internal */ _destroyed = false;
  /** @internal Storage bookkeeping the session itself never reads (last seen, staleness). */
  _lastSeenAt: number | undefined;
  /** @internal The owner as stored, for stores whose user index keeps expiry. */
  _owner: string | undefined;
  /** @internal The value came under an older secret or format: re-issue it on save. */
  _stale = false;
  /** @internal A new session whose record the storage has written. */
  _created = false;
  /** @internal The store key (SHA-256) of `id`, once a storage has computed it. */
  _key: string | undefined;
  /** @internal `_flashIn` was taken out of the store when read: saving puts back what was not read. */
  _flashTaken: boolean;
  /** @internal The cookie lifetime chosen for this session, in seconds. */
  _maxAge: number | undefined;
  /** @internal `setMaxAge` changed `_maxAge`: saving stores it. */
  _maxAgeChanged = false;
  private readonly newId: (() => string) | undefined;

  /** @internal Sessions come from a storage's `read`/`getSession`. */
  constructor(init: SessionInit) {
    this.id = init.id;
    this.isNew = init.isNew;
    this._createdAt = init.createdAt;
    this._expiresAt = init.expiresAt;
    this._data = init.data ?? emptyRecord();
    this._flashIn = init.flash ?? null;
    this._flashTaken = init.flashTaken ?? false;
    this._maxAge = init.maxAge;
    this.newId = init.newId;
  }

  /** When the session began (never extended: the absolute timeout counts from here). */
  get createdAt(): Date {
    return new Date(this._createdAt);
  }

  /** When the session ends if nothing else happens (idle or absolute timeout, whichever first). */
  get expiresAt(): Date | undefined {
    return this._expiresAt === undefined ? undefined : new Date(this._expiresAt);
  }

  /**
   * The value of `key`: a flash value from the previous request wins over a
   * stored one, and reading it is what consumes it (gone after this request).
   * A destroyed session has no values.
   */
  get<K extends (keyof Data | keyof FlashData) & string>(key: K): ValueOf<Data, FlashData, K> | undefined {
    const flash = this._flashIn;
    if (flash !== null && hasOwn(flash, key)) {
      this.markRead(key);
      return flash[key] as ValueOf<Data, FlashData, K>;
    }
    return (hasOwn(this._data, key) ? this._data[key] : undefined) as ValueOf<Data, FlashData, K> | undefined;
  }

  /** Whether `key` holds a value (asking about a flash value consumes it, as reading it does). */
  has(key: (keyof Data | keyof FlashData) & string): boolean {
    if (this._flashIn !== null && hasOwn(this._flashIn, key)) {
      this.markRead(key);
      return true;
    }
    return hasOwn(this._data, key);
  }

  private markRead(key: string): void {
    const read = this._flashRead;
    if (read === true) return;
    (this._flashRead = read ?? new Set()).add(key);
  }

  /** Stores `value` (JSON data: a `Date`, `Map` or class instance is a TypeError). `set(key, undefined)` unsets. */
  set<K extends keyof Data & string>(key: K, value: Data[K]): void {
    this.writable();
    checkKey(key);
    if (value === undefined) return this.unset(key);
    checkValue(key, value);
    putOwn(this._data, key, value);
    (this._changes ??= new Map()).set(key, value);
  }

  unset(key: keyof Data & string): void {
    this.writable();
    checkKey(key);
    delete this._data[key];
    (this._changes ??= new Map()).set(key, undefined);
  }

  /**
   * Stores `value` for the next request that reads it: every read in that
   * request sees it, then it is gone. A request that never reads it (a
   * favicon, a prefetch) leaves it in place.
   */
  flash<K extends keyof FlashData & string>(key: K, value: FlashData[K]): void {
    this.writable();
    checkKey(key);
    checkValue(key, value);
    putOwn((this._flashOut ??= emptyRecord()), key, value);
  }

  /** Drops every value, flash included; the id stays. */
  clear(): void {
    this.writable();
    this._data = emptyRecord();
    this._flashIn = null;
    this._flashOut = null;
    this._changes = null;
    this._cleared = true;
  }

  /** Everything readable now, as `[key, value]` pairs (flash values included, and so consumed). */
  entries(): Array<[string, unknown]> {
    if (this._flashIn !== null) this._flashRead = true;
    const all = Object.assign(emptyRecord(), this._data, this._flashIn);
    return Object.entries(all);
  }

  /**
   * Gives the session a new id (call it at login: the pre-login id dies, which
   * stops session fixation). Values are kept; pass `keep` to keep only those
   * keys, e.g. `regenerateId({ keep: ["cart"] })` drops a pre-login CSRF token.
   * Saving replaces the old record by the new one in one step: if the old
   * session ended meanwhile (a logout elsewhere), nothing is created.
   */
  regenerateId(options: { keep?: ReadonlyArray<keyof Data & string> } = {}): void {
    this.writable();
    if (this._previousId === undefined && (!this.isNew || this._created)) this._previousId = this.id;
    this._regenerated = true;
    if (this.newId) {
      this.id = this.newId();
      this._key = undefined;
    }
    if (options.keep) {
      const kept = emptyRecord();
      for (const key of options.keep) if (hasOwn(this._data, key)) putOwn(kept, key, this._data[key]);
      this._data = kept;
      this._flashIn = null;
      this._cleared = true;
      this._changes = null;
    }
  }

  /**
   * The cookie lifetime of this session in seconds ("remember me"): stored
   * with the session, so every later re-issue of its cookie uses it; `null`
   * goes back to the storage's `cookie.maxAge`. Like express-session's
   * `req.session.cookie.maxAge`, but in seconds as everywhere in tessera.
   */
  setMaxAge(seconds: number | null): void {
    this.writable();
    const next = seconds === null ? undefined : checkLifetime(seconds);
    if (next === this._maxAge) return;
    this._maxAge = next;
    this._maxAgeChanged = true;
  }

  /** The lifetime `setMaxAge` gave this session, or undefined (the storage's `cookie.maxAge` applies). */
  get maxAge(): number | undefined {
    return this._maxAge;
  }

  /**
   * Ends the session: the record is deleted and the cookie expired when it is
   * saved. From now on it reads as empty, and changing it throws.
   */
  destroy(): void {
    if (this._destroyed) return;
    this._destroyed = true;
    this._data = emptyRecord();
    this._flashIn = null;
    this._flashOut = null;
    this._changes = null;
  }

  get destroyed(): boolean {
    return this._destroyed;
  }

  private writable(): void {
    if (this._destroyed) throw destroyedError();
  }

  /**
   * True when saving must write: values changed, a flash was set, read (to be
   * removed) or taken and left unread (to be put back), the id was
   * regenerated, the lifetime changed, or the session was destroyed.
   */
  get dirty(): boolean {
    return (
      this._changes !== null ||
      this._cleared ||
      this._flashOut !== null ||
      flashDue(this) ||
      this._regenerated ||
      this._maxAgeChanged ||
      this._destroyed
    );
  }

  /** Never exposes the id: a logged session must not leak a usable token (SECURITY B8). */
  toJSON(): { data: Record<string, unknown>; createdAt: string; expiresAt: string | undefined } {
    const data = Object.assign(emptyRecord(), this._data, this._flashIn);
    return {
      data: { ...data },
      createdAt: this.createdAt.toISOString(),
      expiresAt: this.expiresAt?.toISOString(),
    };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): unknown {
    return this.toJSON();
  }
}

/** @internal The incoming flash keys this request read, or did not read. */
export function flashKeys(session: Session<any, any>, read: boolean): string[] {
  const flash = session._flashIn;
  if (flash === null) return [];
  const seen = session._flashRead;
  return Object.keys(flash).filter((k) => (seen === true || (seen !== null && seen.has(k))) === read);
}

/** Whether the incoming flash values need a write: read ones to remove, or taken unread ones to put back. */
function flashDue(session: Session<any, any>): boolean {
  if (session._flashIn === null) return false;
  return flashKeys(session, !session._flashTaken).length > 0;
}

/** @internal The stored key of flash value `key` (react-router's layout). */
export function flashKey(key: string): string {
  return `${FLASH_PREFIX}${key}__`;
}

/** @internal The flash key inside a stored key, or undefined for an ordinary key. */
export function unflashKey(stored: string): string | undefined {
  return stored.startsWith(FLASH_PREFIX) && stored.endsWith("__") && stored.length > 10 ? stored.slice(8, -2) : undefined;
}
