import type { CryptoBackend } from "../crypto/types.js";
import { flashKey } from "../session/flash-keys.js";
import { Session, stateOf, type SessionState } from "../session/session.js";
import { patchedUser, type SessionRecord, type SessionStore } from "../stores/store.js";
import { chain, type MaybePromise } from "../util/maybe-promise.js";
import type { Backend, Refusal, Write } from "./backend.js";
import type { Carried } from "./engine.js";
import { storeCall } from "./store-call.js";
import { noUserWarning } from "./user-key-warning.js";
import { patchOf, recordOf, splitFlash, unflash } from "./store-records.js";
import { expiryOf, type Timeouts } from "./timeouts.js";

/** 24 random bytes: 192 bits from the CSPRNG, 32 base64url characters. */
const ID_BYTES = 24;
const ID_LENGTH = 32;
/** Exactly what `newId` makes; anything else never reaches a store (docs/security.md, B4). */
const ID_SHAPE = /^[A-Za-z0-9_-]{32}$/;

/** What the store backend keeps with a session: its store key and owner as last read or written. */
export interface StoredCarried extends Carried {
  /** The store key (SHA-256) of the session's `storedId`. */
  key: string;
  /** The owner as stored, for stores whose user index keeps expiry. */
  owner: string | undefined;
}

/** Sessions whose cookie carries only a signed id, with the data in a store under the id's hash. */
/** An authentic token's session id and store key (kept apart: the key is a Map key on every request). */
interface IdAndKey {
  id: string;
  key: string;
}

export class StoreBackend<Data, FlashData> implements Backend<Data, FlashData, IdAndKey> {
  readonly tokenIsData = false;
  readonly #newId: () => string;
  #warnedUserKey = false;

  constructor(
    readonly store: SessionStore,
    private readonly crypto: CryptoBackend,
    private readonly t: Timeouts,
    readonly userKey: string | undefined,
  ) {
    this.#newId = () => crypto.toBase64Url(crypto.random(ID_BYTES));
  }

  /** The store key of an id: its SHA-256, so the store never holds a usable token (docs/security.md, B1). */
  keyOf(id: string): MaybePromise<string> {
    return this.crypto.sha256(id);
  }

  fresh(now: number): Session<Data, FlashData> {
    return new Session<Data, FlashData>({ id: this.#newId(), isNew: true, createdAt: now, expiresAt: expiryOf(this.t, now, now), newId: this.#newId, now: this.t.now });
  }

  /** An authentic token's id, with its store key. */
  recognise(json: string): MaybePromise<IdAndKey | null> {
    const id = json.length === ID_LENGTH + 2 ? json.slice(1, -1) : "";
    if (!ID_SHAPE.test(id) || json !== `"${id}"`) return null;
    return chain(this.keyOf(id), (key) => ({ id, key }));
  }

  load({ id, key }: IdAndKey, stale: boolean, _raw: string, now: number): MaybePromise<Session<Data, FlashData> | Refusal> {
    const store = this.store;
    return chain(storeCall("read", () => store.get(key, now)), (record) => {
      // Strict: an id the store does not know (never issued, expired, destroyed) is never adopted (B3).
      if (!record || record.expiresAt <= now) return { reason: "unknown", subject: id } satisfies Refusal;
      const { data, flash } = splitFlash(record.data);
      if (flash === null || store.take === undefined) return this.#session(id, key, stale, record, data, flash, false);
      // Claim the flash before anyone sees it: a concurrent request gets none (shown once).
      const names = Object.keys(flash).map(flashKey);
      return chain(storeCall("read", () => store.take!(key, names, now)), (taken) =>
        taken === null ? this.fresh(now) /* destroyed meanwhile */ : this.#session(id, key, stale, record, data, unflash(taken), true),
      );
    });
  }

  #session(
    id: string,
    key: string,
    stale: boolean,
    record: SessionRecord,
    data: Record<string, unknown>,
    flash: Record<string, unknown> | null,
    flashTaken: boolean,
  ): Session<Data, FlashData> {
    const carried: StoredCarried = { lastSeenAt: record.lastSeenAt, stale, key, owner: record.userId };
    const { createdAt, expiresAt, maxAge } = record;
    return new Session<Data, FlashData>({ id, data, flash, flashTaken, isNew: false, createdAt, expiresAt, maxAge, newId: this.#newId, carried, now: this.t.now });
  }

  write(session: Session<Data, FlashData>, write: Write, now: number): MaybePromise<boolean> {
    const state = stateOf(session);
    const expiresAt = expiryOf(this.t, state.createdAt, now);
    const store = this.store;
    const carried = state.carried as StoredCarried | undefined;
    if (write === "update" || write === "touch") {
      const { key, owner } = carried!;
      const patch = write === "update" ? patchOf(state, this.userKey, now, expiresAt) : undefined;
      const wrote = patch
        ? storeCall("update", () => store.update(key, patch, now))
        : storeCall("touch", () => store.touch(key, now, expiresAt, now, owner));
      return chain(wrote, (alive) => alive && settle(state, now, expiresAt, key, patch ? patchedUser(owner, patch) : owner));
    }
    const record = recordOf(state, this.userKey, now, expiresAt);
    if (state.phase === "regenerated" && record.userId === undefined && this.userKey !== undefined) this.#warnNoUser(state.data);
    return chain(this.keyOf(state.id), (newKey) => {
      // A session regenerated before it was ever stored is created: a sign-in all the same (the memory store ranks it so).
      const login = state.phase === "regenerated";
      if (write === "create") return chain(storeCall("create", () => store.create(newKey, record, login)), () => settle(state, now, expiresAt, newKey, record.userId));
      // regenerateId(): the old record is replaced by the new one in one store step (docs/security.md, C1, L1, L2).
      return chain(storeCall("replace", () => store.replace(carried!.key, newKey, record, now)), (replaced) =>
        replaced && settle(state, now, expiresAt, newKey, record.userId),
      );
    });
  }

  /** A regenerated session saved without the `userKey` value: said once per storage (user-key-warning.ts). */
  #warnNoUser(data: Record<string, unknown>): void {
    if (this.#warnedUserKey) return;
    this.#warnedUserKey = true;
    console.warn(noUserWarning(this.userKey!, data, "listSessions() and destroyAllSessions()"));
  }

  remove(storedId: string): MaybePromise<void> {
    return chain(this.keyOf(storedId), (key) => chain(storeCall("delete", () => this.store.delete(key)), () => undefined));
  }

  token(session: Session<Data, FlashData>): { json: string; memo: IdAndKey | undefined } {
    const state = stateOf(session);
    const key = (state.carried as StoredCarried | undefined)?.key;
    return { json: JSON.stringify(state.id), memo: key === undefined ? undefined : { id: state.id, key } };
  }

  subject(_session: Session<Data, FlashData>, storedId: string): string {
    return storedId;
  }
}

/** After a write: the session's expiry and the backend's bookkeeping as stored. */
function settle(state: SessionState, now: number, expiresAt: number, key: string, owner: string | undefined): true {
  const carried = state.carried as StoredCarried | undefined;
  if (carried === undefined) state.carried = { lastSeenAt: now, stale: false, key, owner } satisfies StoredCarried;
  else {
    carried.lastSeenAt = now;
    carried.key = key;
    carried.owner = owner;
  }
  state.expiresAt = expiresAt;
  return true;
}
