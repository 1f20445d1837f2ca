import type { CryptoBackend } from "../crypto/types.js";
import type { RefusalReason } from "../engine/backend.js";
import type { CookieRevocation } from "../engine/cookie-backend.js";
import type { Timeouts } from "../engine/timeouts.js";
import { asStoreError, SessionConfigError } from "../errors.js";
import { REVOCATION_KEY } from "../session/reserved-keys.js";
import { stateOf, type Session } from "../session/session.js";
import { chain, type MaybePromise } from "../util/maybe-promise.js";
import { GenerationCache, type Heard } from "./cache.js";
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
 * user's generation when it was issued, its own revocation id, and the user.
 */
type Stamp = [generation: number, id: string, user: string];

/** The revocation id's length: 12 random bytes, base64url. */
const ID_LENGTH = 16;

function isStamp(v: unknown): v is Stamp {
  return (
    Array.isArray(v) &&
    v.length === 3 &&
    Number.isSafeInteger(v[0]) &&
    v[0] >= 0 &&
    typeof v[1] === "string" &&
    v[1].length === ID_LENGTH &&
    typeof v[2] === "string"
  );
}

function whole(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new SessionConfigError(`option revocation.${name} is invalid: ${String(value)}; use a whole number from 1 to ${max}`);
  }
  return value;
}

/**
 * Revocable cookie sessions (docs/security.md, M9). A cookie session carries
 * the generation its user had when it was issued; `destroyAllSessions` raises
 * that generation, `destroySession` raises the session's own. A read accepts
 * the session only while both are what it carries: a generation the store
 * lost (back to 0) refuses every session of that user, never lets one in.
 */
export class Revocation implements CookieRevocation {
  readonly #store: RevocationStore;
  readonly #interval: number;
  readonly #open: boolean;
  readonly #heard: GenerationCache;
  /** Answers on their way, so a burst of one user's requests asks the store once. */
  readonly #asking = new Map<string, Promise<readonly number[]>>();

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
    this.#store = store;
    this.#interval = whole("checkInterval", options.checkInterval, 10, 86_400) * 1000;
    this.#open = onUnavailable === "open";
    this.#heard = new GenerationCache(whole("cacheSize", options.cacheSize, 100_000, 10_000_000));
  }

  /** The revocation id of the session whose values are `data`, if it was stamped. */
  idOf(data: Record<string, unknown>): string | undefined {
    const stamp = data[REVOCATION_KEY];
    return isStamp(stamp) ? stamp[1] : undefined;
  }

  /** Whether a session just read may be used: undefined when it may, "revoked" when it was revoked. */
  check(session: Session<any, any>): MaybePromise<RefusalReason | undefined> {
    const state = stateOf(session);
    const stamp = state.data[REVOCATION_KEY];
    if (stamp === undefined) {
      // Signed in before revocation was turned on: re-issued now, with a stamp.
      if (this.#userOf(state.data) !== undefined) state.touched = true;
      return undefined;
    }
    if (!isStamp(stamp)) return "tampered";
    const [generation, id, user] = stamp;
    const userKey = `u:${user}`;
    const sessionKey = `s:${id}`;
    const now = this.t.now();
    const heardUser = this.#heard.get(userKey);
    const heardSession = this.#heard.get(sessionKey);
    // A stamp newer than what this process heard comes from a sign-in or a revocation elsewhere: ask again.
    if (this.#fresh(heardUser, now) && this.#fresh(heardSession, now) && generation <= heardUser!.generation) {
      return generation === heardUser!.generation && heardSession!.generation === 0 ? undefined : "revoked";
    }
    return chain(this.#ask([userKey, sessionKey], [heardUser, heardSession], now), ([userGeneration, sessionGeneration]) =>
      generation === userGeneration && sessionGeneration === 0 ? undefined : "revoked",
    );
  }

  /**
   * A cookie session about to be sealed: the revocation id it had is revoked
   * when `replaced` (regenerateId), then it is stamped. Answers its revocation
   * id now, if it has one.
   */
  written(session: Session<any, any>, replaced: string | undefined): MaybePromise<string | undefined> {
    const data = stateOf(session).data;
    if (replaced === undefined) {
      const stamped = this.#stamp(session);
      // Most saves: a session already stamped for its user, answered without a promise.
      return stamped === undefined ? this.idOf(data) : stamped.then(() => this.idOf(data));
    }
    return chain(this.revokeSession(replaced, stateOf(session).createdAt), () => chain(this.#stamp(session), () => this.idOf(data)));
  }

  /**
   * A session that got a user (a sign-in), or another one, is stamped with
   * that user's generation as the store has it now, and a new revocation id;
   * one that lost its user loses its stamp.
   */
  #stamp(session: Session<any, any>): MaybePromise<void> {
    const data = stateOf(session).data;
    const user = this.#userOf(data);
    const stamp = data[REVOCATION_KEY];
    if (user === undefined) {
      if (stamp !== undefined) delete data[REVOCATION_KEY];
      return;
    }
    if (isStamp(stamp) && stamp[2] === user) return;
    const key = `u:${user}`;
    const now = this.t.now();
    return chain(this.#ask([key], [this.#heard.get(key)], now, true), (generations) => {
      const id = this.crypto.toBase64Url(this.crypto.random(12));
      data[REVOCATION_KEY] = [generations[0]!, id, user] satisfies Stamp;
      // A new random id was never revoked: its first requests need not ask.
      this.#heard.put(`s:${id}`, 0, now);
    });
  }

  /**
   * `destroySession` of the session created at `createdAt` with revocation id
   * `id` (as it was read: destroy() empties its values): every copy of its
   * cookie is refused from now on.
   */
  revokeSession(id: string, createdAt: number): MaybePromise<void> {
    const now = this.t.now();
    // Kept until the session would have expired anyway: after that no copy of its cookie is accepted.
    const ttl = Math.max(1, Math.ceil((createdAt + this.t.absolute + this.tolerance - now) / 1000));
    const key = `s:${id}`;
    return chain(this.#raise(key, ttl), (generation) => this.#heard.put(key, generation, now));
  }

  /**
   * `destroyAllSessions`: every session of `userId` issued until now is
   * refused, but `except`, which is stamped with the new generation (its
   * cookie is re-issued when it is saved).
   */
  async revokeUser(userId: string, except: Session<any, any> | undefined): Promise<void> {
    if (typeof userId !== "string" && typeof userId !== "number") throw new TypeError(`destroyAllSessions: userId must be a string, got ${typeof userId}`);
    const user = String(userId);
    const key = `u:${user}`;
    const generation = await this.#raise(key, undefined);
    this.#heard.put(key, generation, this.t.now());
    if (except === undefined) return;
    const state = stateOf(except);
    const stamp = state.data[REVOCATION_KEY];
    if (state.phase === "destroyed" || !isStamp(stamp) || stamp[2] !== user) return;
    state.data[REVOCATION_KEY] = [generation, stamp[1], user] satisfies Stamp;
    state.touched = true;
  }

  #userOf(data: Record<string, unknown>): string | undefined {
    const user = data[this.userKey!];
    return typeof user === "string" || typeof user === "number" ? String(user) : undefined;
  }

  #fresh(heard: Heard | undefined, now: number): boolean {
    return heard !== undefined && now - heard.at < this.#interval;
  }

  /**
   * The generations of `keys` as the store has them, remembered. When it cannot
   * answer: with `onUnavailable: "open"` (and not `exact`), what was heard up
   * to one more interval ago; otherwise a `SessionStoreError`.
   */
  #ask(keys: string[], heard: Array<Heard | undefined>, now: number, exact = false): Promise<readonly number[]> {
    const asking = keys.join("\n");
    const pending = this.#asking.get(asking);
    if (pending) return pending;
    const answer = (async () => {
      try {
        const generations = await this.#store.generations(keys);
        if (!Array.isArray(generations) || generations.length !== keys.length || !generations.every((g) => Number.isSafeInteger(g) && g >= 0)) {
          throw new TypeError("revocation store: generations() must answer one whole number per key");
        }
        keys.forEach((key, i) => this.#heard.put(key, generations[i]!, now));
        return generations;
      } catch (error) {
        if (this.#open && !exact && heard.every((h) => h !== undefined && now - h.at < 2 * this.#interval)) return heard.map((h) => h!.generation);
        throw asStoreError(error, "revocation store generations failed");
      } finally {
        this.#asking.delete(asking);
      }
    })();
    this.#asking.set(asking, answer);
    return answer;
  }

  async #raise(key: string, ttl: number | undefined): Promise<number> {
    try {
      const generation = await this.#store.raise(key, ttl);
      if (!Number.isSafeInteger(generation) || generation < 1) throw new TypeError("revocation store: raise() must answer the new generation, a whole number above 0");
      return generation;
    } catch (error) {
      throw asStoreError(error, "revocation store raise failed");
    }
  }
}
