import type { CryptoBackend } from "../crypto/types.js";
import type { RefusalReason } from "../engine/backend.js";
import type { CookieRevocation } from "../engine/cookie-backend.js";
import type { Timeouts } from "../engine/timeouts.js";
import { SessionConfigError } from "../errors.js";
import { ownValues, REVOCATION_KEY } from "../session/reserved-keys.js";
import { Session, stateOf } from "../session/session.js";
import { noUserWarning } from "../engine/user-key-warning.js";
import { chain, type MaybePromise } from "../util/maybe-promise.js";
import { Generations } from "./generations.js";
import type { RevocationStore } from "../stores/revocation-store.js";

/** The `revocation` option of a cookie storage. */
export interface RevocationOptions {
  /** Where the generations live, shared by every process that serves the app. */
  store: RevocationStore;
  /**
   * Seconds a generation heard from the store is trusted. The store is asked at
   * most once per interval per key (a user, a session) and process, so a
   * revocation reaches every other process within this many seconds (at once in
   * the process that made it). Default 10.
   */
  checkInterval?: number | undefined;
  /**
   * When the store cannot answer: `"closed"` (default) serves no request that
   * needs it (`SessionStoreError`: the integrations answer 503, the cookie
   * untouched); `"open"` goes on with what this process heard up to one more
   * `checkInterval` ago (so a revocation is at most twice the interval late),
   * and past that is closed too.
   */
  onUnavailable?: "closed" | "open" | undefined;
  /**
   * Generations this process keeps heard, at most: two per signed-in session in
   * use (its user's and its own), about 150 bytes each. Default 100,000.
   */
  cacheSize?: number | undefined;
}

/**
 * The stamp a signed-in cookie session carries in its sealed payload: the
 * user's generation when it was issued, its own revocation id, the user, and
 * the store's incarnation ("" for a store without one). As the cookie backend
 * keeps it from a read, a session signed in before revocation was turned on is
 * `[0, "", user, null]`: generation 0, no id of its own, any incarnation.
 */
type Stamp = readonly [generation: number, id: string, user: string, incarnation: string | null];

/** The revocation id's length: 12 random bytes, base64url. */
const ID_LENGTH = 16;

function isStamp(v: unknown): v is Stamp {
  return (
    Array.isArray(v) &&
    v.length === 4 &&
    Number.isSafeInteger(v[0]) &&
    v[0] >= 0 &&
    typeof v[1] === "string" &&
    v[1].length === ID_LENGTH &&
    typeof v[2] === "string" &&
    typeof v[3] === "string"
  );
}

function whole(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new SessionConfigError(`option revocation.${name} is invalid: ${String(value)}; use a whole number from 1 to ${max}`);
  }
  return value;
}

/** A lone surrogate: text no store can keep as it is (UTF-8 and PostgreSQL make it U+FFFD, so two ids would meet). */
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The store key of a user: `u:<id>`; an id that is not well-formed Unicode as `U:` and its JSON, which escapes what it cannot hold. */
const userKeyOf = (user: string): string => (LONE.test(user) ? `U:${JSON.stringify(user)}` : `u:${user}`);

const keysOf = (stamp: Stamp): string[] => (stamp[1] ? [userKeyOf(stamp[2]), `s:${stamp[1]}`] : [userKeyOf(stamp[2])]);

/**
 * Undefined when the store's generations for `stamp`'s keys, and its
 * incarnation, are what it was issued under; else "revoked". A store of
 * another incarnation lost the revocations it held: it vouches for nothing issued before.
 */
const judge = (stamp: Stamp, [generations, incarnation]: readonly [readonly number[], string]): RefusalReason | undefined =>
  (stamp[3] === null || stamp[3] === incarnation) && generations[0] === stamp[0] && (generations.length === 1 || generations[1] === 0) ? undefined : "revoked";

/**
 * Revocable cookie sessions (docs/security.md, M9). A cookie session carries
 * the generation its user had when it was issued; `destroyAllSessions` raises
 * that generation, `destroySession` (and `regenerateId`, a sign-out) raises
 * the session's own. A read accepts the session only while both are what it
 * carries.
 */
export class Revocation implements CookieRevocation {
  readonly #generations: Generations;
  readonly #interval: number;
  readonly #open: boolean;
  /** Said once: a regenerated session saved without a user (`userKey`), which revocation cannot reach. */
  #warned = false;
  /** The session passed as `except` to a destroyAllSessions, by its state: the user's generation that spared it. */
  readonly #spared = new WeakMap<object, { user: string; generation: number }>();

  constructor(
    options: RevocationOptions,
    private readonly userKey: string | undefined,
    private readonly crypto: CryptoBackend,
    private readonly t: Timeouts,
    /** Milliseconds past its expiry a cookie is still accepted. */
    private readonly tolerance: number,
  ) {
    const store = options?.store;
    if (typeof store?.generations !== "function" || typeof store.raise !== "function") {
      throw new SessionConfigError("option revocation.store is invalid; use a RevocationStore: new MemoryRevocationStore(), new RedisRevocationStore({ client }), or your own { generations, raise }");
    }
    if (userKey === undefined) throw new SessionConfigError('option revocation needs the userKey option: the session key that holds the user id, e.g. userKey: "userId"');
    const onUnavailable = options.onUnavailable ?? "closed";
    if (onUnavailable !== "closed" && onUnavailable !== "open") {
      throw new SessionConfigError(`option revocation.onUnavailable is invalid: ${JSON.stringify(onUnavailable)}; use "closed" or "open"`);
    }
    this.#interval = whole("checkInterval", options.checkInterval, 10, 86_400) * 1000;
    this.#open = onUnavailable === "open";
    this.#generations = new Generations(store, whole("cacheSize", options.cacheSize, 100_000, 10_000_000), this.#interval);
  }

  /** The stamp of the session whose values are `data`, as the backend keeps it from the read. */
  stampOf(data: Record<string, unknown>): Stamp | undefined {
    const stamp = data[REVOCATION_KEY];
    if (isStamp(stamp)) return stamp;
    const user = this.#userOf(data);
    return stamp === undefined && user !== undefined ? [0, "", user, null] : undefined;
  }

  /** Whether a session just read may be used: undefined when it may, else why not. */
  check(session: Session<any, any>): MaybePromise<RefusalReason | undefined> {
    const state = stateOf(session);
    const stored = state.data[REVOCATION_KEY];
    if (stored !== undefined && !isStamp(stored)) return "tampered";
    const stamp = this.stampOf(state.data);
    if (stamp === undefined) return undefined;
    // Signed in before revocation was turned on: accepted while its user was never logged out everywhere, and re-issued with a stamp.
    if (stamp !== stored) state.touched = true;
    const keys = keysOf(stamp);
    const now = this.t.now();
    const heard = keys.map((key) => this.#generations.heard(key));
    const incarnation = this.#generations.heardIncarnation();
    // A stamp newer than what this process heard comes from a sign-in or a revocation elsewhere: only the store knows.
    const newer = heard[0] !== undefined && stamp[0] > heard[0].generation;
    const within = (age: number) => !newer && incarnation !== undefined && now - incarnation.at < age && heard.every((h) => h !== undefined && now - h.at < age);
    const asHeard = (): [number[], string] => [heard.map((h) => h!.generation), incarnation!.value];
    if (within(this.#interval)) return judge(stamp, asHeard());
    return this.#ask(keys, now).then(
      (answer) => judge(stamp, answer),
      (error: unknown) => {
        // "open": what was heard up to one more interval ago; never a guess about a newer stamp.
        if (this.#open && within(2 * this.#interval)) return judge(stamp, asHeard());
        throw error;
      },
    );
  }

  /**
   * Before a session's cookie is sealed, given its stamp as read (`replaced`:
   * regenerateId). A regenerated session that was revoked meanwhile is not
   * re-issued (false: nothing is); the cookie as it was read dies when the new
   * one will not carry its id (a regenerate, a sign-out, another user); a
   * session that got a user is stamped. Answers the stamp the new cookie carries.
   */
  written(session: Session<any, any>, read: unknown, replaced: boolean): MaybePromise<Stamp | undefined | false> {
    const state = stateOf(session);
    const was = read as Stamp | undefined;
    const now = this.t.now();
    const data = state.data;
    const user = this.#userOf(data);
    const stamp = data[REVOCATION_KEY];
    const kept = user !== undefined && isStamp(stamp) && stamp[2] === user ? stamp : undefined;
    // The `except` of a destroyAllSessions in this request: judged by the generation that spared it.
    const spared = this.#spared.get(state);
    const vouched: Stamp | undefined = was && spared?.user === user && was[2] === user ? [spared!.generation, was[1], was[2], was[3]] : was;
    // A new stamp minted from a cookie read (a regenerate, a sign-out and in again) needs the store's word that
    // the cookie was still good: a process may accept a revoked copy for checkInterval, never launder it.
    const minting = replaced || (user !== undefined && kept === undefined);
    // A stamp kept as read that this process already knows to be revoked (another request of the browser
    // regenerated it): re-issuing it would log the browser out; nothing is issued, as an id storage sends nothing.
    if (kept && !minting && this.#knownRevoked(kept)) return false;
    const valid = vouched && minting ? this.#ask(keysOf(vouched), now).then((answer) => judge(vouched, answer) === undefined) : true;
    return chain(valid, (stillValid) => {
      if (!stillValid) return false;
      const dies = was !== undefined && was[1] !== "" && kept?.[1] !== was[1];
      return chain(dies ? this.revokeSession(was, state.createdAt) : undefined, () => {
        if (user === undefined) {
          if (stamp !== undefined) delete data[REVOCATION_KEY];
          // A regenerate of an anonymous session saved with values but no user: a sign-in with a typo in userKey, most likely.
          if (state.phase === "regenerated" && was === undefined && !this.#warned) this.#warnNoUser(data);
          return undefined;
        }
        if (kept) return kept;
        // An unstamped cookie, accepted at its read because its user was never logged out everywhere: stamped with that.
        if (was !== undefined && was[1] === "" && was[2] === user && !replaced) {
          return chain(this.#generations.incarnation(now), (incarnation) => this.#stamp(data, [vouched![0], user, incarnation], now));
        }
        // A sign-in: the user's generation as the store has it now, never as a cache heard it.
        return this.#ask([userKeyOf(user)], now).then(([[generation], incarnation]) => this.#stamp(data, [generation!, user, incarnation], now));
      });
    });
  }

  /**
   * `destroySession` of the session read with `read`, created at `createdAt`:
   * every copy of its cookie is refused from now on. A cookie signed in before
   * revocation was turned on has no id of its own: only `destroyAllSessions` reaches it.
   */
  revokeSession(read: unknown, createdAt: number): MaybePromise<void> {
    const stamp = read as Stamp | undefined;
    if (!stamp?.[1]) return;
    const now = this.t.now();
    // Kept until the session would have expired anyway: after that no copy of its cookie is accepted. The
    // tolerance twice: this clock may be ahead of another process's by as much, which accepts it that much longer.
    const ttl = Math.max(1, Math.ceil((createdAt + this.t.absolute + 2 * this.tolerance - now) / 1000));
    return this.#generations.raise(`s:${stamp[1]}`, ttl, now).then(() => undefined);
  }

  /**
   * `destroyAllSessions`: every session of `userId` issued until now is
   * refused, but `except`, which is stamped with the new generation (its
   * cookie is re-issued when it is saved).
   */
  async revokeUser(userId: string, except: Session<any, any> | undefined): Promise<void> {
    if (typeof userId !== "string" && typeof userId !== "number") throw new TypeError(`destroyAllSessions: userId must be a string, got ${typeof userId}`);
    if (except !== undefined && !(except instanceof Session)) {
      throw new TypeError(`option except must be a session read from this storage, got ${except === null ? "null" : typeof except}`);
    }
    const user = String(userId);
    const state = except && stateOf(except);
    // The except is spared only when the store vouches, before the raise, for the cookie it was read from: a
    // copy revoked elsewhere, that this process still accepts within its interval, is never made good again.
    // Spared once in this request already (a second call): it stays spared. The user need not be set yet
    // (a sign-in with regenerateId({ keep }) that sets it again after), only the cookie read be theirs.
    const read = (state?.carried as { stamp?: Stamp } | undefined)?.stamp;
    const spare =
      state === undefined || state.phase === "destroyed"
        ? false
        : this.#spared.get(state)?.user === user || (read?.[2] === user && judge(read, await this.#ask(keysOf(read), this.t.now())) === undefined);
    const generation = await this.#generations.raise(userKeyOf(user), undefined, this.t.now());
    if (!spare || state === undefined) return;
    // Spared whatever this request does next (a regenerateId, which drops the stamp) or did before.
    this.#spared.set(state, { user, generation });
    state.touched = true;
    const stamp = state.data[REVOCATION_KEY];
    if (isStamp(stamp) && stamp[2] === user) state.data[REVOCATION_KEY] = [generation, stamp[1], user, stamp[3]] satisfies Stamp;
  }

  /** Whether this process heard that `stamp` no longer holds (no store call: only what it knows). */
  #knownRevoked(stamp: Stamp): boolean {
    const own = stamp[1] ? this.#generations.heard(`s:${stamp[1]}`) : undefined;
    const user = this.#generations.heard(userKeyOf(stamp[2]));
    return (own !== undefined && own.generation > 0) || (user !== undefined && user.generation > stamp[0]);
  }

  /** The generations of `keys` and the store's incarnation, both as the store has them now. */
  #ask(keys: readonly string[], now: number): Promise<[readonly number[], string]> {
    return Promise.all([this.#generations.ask(keys, now), this.#generations.incarnation(now, true)]);
  }

  #stamp(data: Record<string, unknown>, [generation, user, incarnation]: [number, string, string], now: number): Stamp {
    const id = this.crypto.toBase64Url(this.crypto.random(12));
    const stamp: Stamp = [generation, id, user, incarnation];
    data[REVOCATION_KEY] = stamp;
    // A new random id was never revoked: its first requests need not ask.
    this.#generations.know(`s:${id}`, 0, now);
    return stamp;
  }

  /** Said once per storage, and only when the session has values of the app's own. */
  #warnNoUser(data: Record<string, unknown>): void {
    const values = ownValues({ ...data });
    if (Object.keys(values).length === 0) return;
    this.#warned = true;
    console.warn(noUserWarning(this.userKey!, values, "destroyAllSessions()"));
  }

  #userOf(data: Record<string, unknown>): string | undefined {
    const user = data[this.userKey!];
    return typeof user === "string" || typeof user === "number" ? String(user) : undefined;
  }
}
