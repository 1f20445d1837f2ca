import { asStoreError } from "../errors.js";
import type { RevocationStore } from "../stores/revocation-store.js";
import type { MaybePromise } from "../util/maybe-promise.js";
import { GenerationCache, type Heard } from "./cache.js";

const INCARNATION = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The revocation store as one process asks it: answers remembered (bounded),
 * a burst of asks for the same keys sent once, and a raise made here known at
 * once, never undone by an answer to an ask that started before it.
 */
export class Generations {
  readonly #store: RevocationStore;
  readonly #heard: GenerationCache;
  /** The asks in flight, by their keys: the answer to come, and the turn it was asked in. */
  readonly #asking = new Map<string, { answer: Promise<readonly number[]>; asked: number }>();
  /** Counts this process's raises: an answer is older than every raise of a later turn. */
  #turn = 0;
  /**
   * The raises made here while asks were in flight, outside the bounded cache, which may drop them
   * before an older answer arrives; each is kept while an ask older than it is in flight, no longer.
   */
  readonly #raised = new Map<string, { generation: number; turn: number }>();
  /** At most as many as the cache holds: memory stays bounded even while one slow ask sees many raises. */
  readonly #raisedMax: number;
  readonly #interval: number;
  /** The store's incarnation as last heard, and when; "" for a store without one. */
  #incarnation: { value: string; at: number } | undefined;
  #askingIncarnation: Promise<string> | undefined;

  constructor(store: RevocationStore, cacheSize: number, interval: number) {
    this.#store = store;
    this.#heard = new GenerationCache(cacheSize);
    this.#raisedMax = cacheSize;
    this.#interval = interval;
    if (typeof store.incarnation !== "function") this.#incarnation = { value: "", at: Infinity };
  }

  /** The incarnation as last heard, and when (Infinity: a store without one, nothing to ask). */
  heardIncarnation(): { value: string; at: number } | undefined {
    return this.#incarnation;
  }

  /**
   * The store's incarnation: as heard within the interval (unless `fresh`: beside generations just
   * asked, which a store that lost its data answers as 0), else asked (once for a burst of requests).
   */
  incarnation(now: number, fresh = false): MaybePromise<string> {
    const heard = this.#incarnation;
    if (heard !== undefined && (heard.at === Infinity || (!fresh && now - heard.at < this.#interval))) return heard.value;
    return (this.#askingIncarnation ??= Promise.resolve()
      .then(() => this.#store.incarnation!())
      .then((value) => {
        if (typeof value !== "string" || !INCARNATION.test(value)) throw new TypeError("revocation store: incarnation() must answer a token of 1 to 64 characters");
        this.#incarnation = { value, at: now };
        return value;
      })
      .catch((error: unknown) => {
        throw asStoreError(error, "revocation store incarnation failed");
      })
      .finally(() => (this.#askingIncarnation = undefined)));
  }

  heard(key: string): Heard | undefined {
    return this.#heard.get(key);
  }

  /** Remembers a generation known without asking (a new revocation id is at 0). */
  know(key: string, generation: number, now: number): void {
    this.#heard.put(key, generation, now);
  }

  /** The generations of `keys` as the store has them now, remembered; a `SessionStoreError` when it cannot answer. */
  ask(keys: readonly string[], now: number): Promise<readonly number[]> {
    const id = JSON.stringify(keys);
    const pending = this.#asking.get(id);
    if (pending) return pending.answer;
    const asked = this.#turn;
    // Through a promise from the start: a store that throws at once still settles here, never in the map for good.
    const answer = Promise.resolve()
      .then(() => this.#store.generations(keys))
      .then((generations) => {
        if (!Array.isArray(generations) || generations.length !== keys.length || !generations.every((g) => Number.isSafeInteger(g) && g >= 0)) {
          throw new TypeError("revocation store: generations() must answer one whole number per key");
        }
        return keys.map((key, i) => {
          const mine = this.#raised.get(key);
          // Raised here while the store was answering: the raise is newer than the answer.
          if (mine !== undefined && mine.turn > asked) {
            if (this.#heard.get(key)?.turn !== mine.turn) this.#heard.put(key, mine.generation, now, mine.turn);
            return mine.generation;
          }
          this.#heard.put(key, generations[i]!, now);
          return generations[i]!;
        });
      })
      .catch((error: unknown) => {
        throw asStoreError(error, "revocation store generations failed");
      });
    this.#asking.set(id, { answer, asked });
    const done = () => {
      if (this.#asking.get(id)?.answer === answer) this.#asking.delete(id);
      if (this.#raised.size === 0) return;
      let oldest = Infinity;
      for (const ask of this.#asking.values()) oldest = Math.min(oldest, ask.asked);
      // In the order of their turns: those no ask in flight is older than go.
      for (const [key, raise] of this.#raised) {
        if (raise.turn > oldest) break;
        this.#raised.delete(key);
      }
    };
    answer.then(done, done);
    return answer;
  }

  /** Raises `key` in the store (kept `ttl` seconds, or for good), known here at once; answers the new generation. */
  async raise(key: string, ttl: number | undefined, now: number): Promise<number> {
    let generation: number;
    try {
      generation = await this.#store.raise(key, ttl);
    } catch (error) {
      throw asStoreError(error, "revocation store raise failed");
    }
    if (!Number.isSafeInteger(generation) || generation < 1) throw asStoreError(new TypeError("raise() must answer the new generation, a whole number above 0"), "revocation store raise failed");
    this.#heard.put(key, generation, now, ++this.#turn);
    if (this.#asking.size > 0) {
      this.#raised.delete(key); // set again at the end: the map stays in the order of the turns
      this.#raised.set(key, { generation, turn: this.#turn });
      if (this.#raised.size > this.#raisedMax) this.#raised.delete(this.#raised.keys().next().value!);
    }
    return generation;
  }
}
