import { putOwn } from "./own.js";

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
  newId?: () => string;
}

/**
 * One client's session for the length of a request. It knows nothing of stores
 * or cookies: the storage that made it reads its changes when it is saved.
 *
 * ```ts
 * const session = await storage.read(request);
 * session.set("count", Number(session.get("count") ?? 0) + 1);
 * session.flash("notice", "Saved");       // readable during the next request only
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
  /** @internal Flash values set during the previous request: readable now, gone after. */
  _flashIn: Record<string, unknown> | null;
  /** @internal Flash values set now: readable during the next request. */
  _flashOut: Record<string, unknown> | null = null;
  /** @internal Keys set (to a value) or unset (undefined) by this request. */
  _changes: Map<string, unknown> | null = null;
  /** @internal Every stored value was dropped (clear, regenerate with keep). */
  _cleared = false;
  /** @internal The id this session had before `regenerateId()`, to delete on save. */
  _previousId: string | undefined;
  /** @internal */ _destroyed = false;
  /** @internal Storage bookkeeping the session itself never reads (last seen, staleness). */
  _lastSeenAt: number | undefined;
  /** @internal The value came under an older secret or format: re-issue it on save. */
  _stale = false;
  /** @internal A new session whose record the storage has written. */
  _created = false;
  /** @internal The store key (SHA-256) of `id`, once a storage has computed it. */
  _key: string | undefined;
  /** @internal `_flashIn` was taken out of the store when read: saving need not remove it. */
  _flashTaken: boolean;
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

  /** The value of `key`: a flash value from the previous request wins over a stored one. */
  get<K extends (keyof Data | keyof FlashData) & string>(key: K): ValueOf<Data, FlashData, K> | undefined {
    const flash = this._flashIn;
    if (flash !== null && hasOwn(flash, key)) return flash[key] as ValueOf<Data, FlashData, K>;
    return (hasOwn(this._data, key) ? this._data[key] : undefined) as ValueOf<Data, FlashData, K> | undefined;
  }

  has(key: (keyof Data | keyof FlashData) & string): boolean {
    return (this._flashIn !== null && hasOwn(this._flashIn, key)) || hasOwn(this._data, key);
  }

  /** Stores `value` (JSON data). `set(key, undefined)` unsets. */
  set<K extends keyof Data & string>(key: K, value: Data[K]): void {
    checkKey(key);
    if (value === undefined) return this.unset(key);
    putOwn(this._data, key, value);
    (this._changes ??= new Map()).set(key, value);
  }

  unset(key: keyof Data & string): void {
    checkKey(key);
    delete this._data[key];
    (this._changes ??= new Map()).set(key, undefined);
  }

  /** Stores `value` for the next request only: every read in it sees the value, then it is gone. */
  flash<K extends keyof FlashData & string>(key: K, value: FlashData[K]): void {
    checkKey(key);
    putOwn((this._flashOut ??= emptyRecord()), key, value);
  }

  /** Drops every value, flash included; the id stays. */
  clear(): void {
    this._data = emptyRecord();
    this._flashIn = null;
    this._flashOut = null;
    this._changes = null;
    this._cleared = true;
  }

  /** Everything readable now, as `[key, value]` pairs (flash values included). */
  entries(): Array<[string, unknown]> {
    const all = Object.assign(emptyRecord(), this._data, this._flashIn);
    return Object.entries(all);
  }

  /**
   * Gives the session a new id (call it at login: the pre-login id dies, which
   * stops session fixation). Values are kept; pass `keep` to keep only those
   * keys, e.g. `regenerateId({ keep: ["cart"] })` drops a pre-login CSRF token.
   * The old record is deleted when the session is saved.
   */
  regenerateId(options: { keep?: ReadonlyArray<keyof Data & string> } = {}): void {
    if (this._previousId === undefined && !this.isNew) this._previousId = this.id;
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

  /** Ends the session: the record is deleted and the cookie expired when it is saved. */
  destroy(): void {
    this._destroyed = true;
  }

  get destroyed(): boolean {
    return this._destroyed;
  }

  /** True when saving must write: values changed, a flash was set or is to be consumed. */
  get dirty(): boolean {
    return (
      this._changes !== null ||
      this._cleared ||
      this._flashOut !== null ||
      (this._flashIn !== null && !this._flashTaken) ||
      this._previousId !== undefined ||
      this._destroyed
    );
  }

  /** Never exposes the id: a logged session must not leak a usable token (SECURITY B8). */
  toJSON(): { data: Record<string, unknown>; createdAt: string; expiresAt: string | undefined } {
    return {
      data: Object.fromEntries(this.entries()),
      createdAt: this.createdAt.toISOString(),
      expiresAt: this.expiresAt?.toISOString(),
    };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): unknown {
    return this.toJSON();
  }
}

/** @internal The stored key of flash value `key` (react-router's layout). */
export function flashKey(key: string): string {
  return `${FLASH_PREFIX}${key}__`;
}

/** @internal The flash key inside a stored key, or undefined for an ordinary key. */
export function unflashKey(stored: string): string | undefined {
  return stored.startsWith(FLASH_PREFIX) && stored.endsWith("__") && stored.length > 10 ? stored.slice(8, -2) : undefined;
}
