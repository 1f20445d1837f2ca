import type { CookieInput } from "../cookie/header.js";
import type { Session } from "../session/session.js";
import type { MaybePromise } from "../util/maybe-promise.js";
import type { SessionStorage } from "./storage.js";

/**
 * The one fast path: `read` and `save` without a promise when the answer is at
 * hand (a cookie on Node, a memory store). Each promise a request awaits costs
 * it a microtask turn, and more under AsyncLocalStorage, whose hooks run for
 * every promise made while a request is in flight. Optional: a storage without
 * it is read and saved through its public methods.
 */
export const immediate: unique symbol = Symbol("tessera.immediate");

/** @internal A storage's `read` and `save`, answering without a promise when they can. They may throw. */
export interface Immediate<Data, FlashData> {
  read(input: CookieInput): MaybePromise<Session<Data, FlashData>>;
  save(session: Session<Data, FlashData>): MaybePromise<string | null>;
}

/** @internal `storage`'s immediate `read` and `save`, or its public ones. */
export function immediateOf<Data, FlashData>(storage: SessionStorage<Data, FlashData>): Immediate<Data, FlashData> {
  return (storage as { [immediate]?: Immediate<Data, FlashData> })[immediate] ?? storage;
}
