import { asStoreError } from "../errors.js";
import type { MaybePromise } from "../util/maybe-promise.js";

/**
 * Runs a store call, turning any failure into a `SessionStoreError` (never an
 * anonymous session), except a `SessionValueError`: a value the store cannot
 * hold is the app's, and passes through as itself. A store that answers
 * without a promise gets none made for it: on the hot paths the caller awaits
 * only what is a promise.
 */
export function storeCall<T>(what: string, fn: () => MaybePromise<T>): MaybePromise<T> {
  let out: MaybePromise<T>;
  try {
    out = fn();
  } catch (error) {
    throw asStoreError(error, `session store ${what} failed`);
  }
  return out instanceof Promise
    ? out.catch((error: unknown) => {
        throw asStoreError(error, `session store ${what} failed`);
      })
    : out;
}
