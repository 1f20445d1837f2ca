import type { MaybePromise } from "../util/maybe-promise.js";

/**
 * Hands `f()`'s value to `then`: at once when it is at hand, once it settles
 * when it is a promise. A throw or a rejection goes to `otherwise`. For
 * callback-style hooks (Fastify's), where a storage that answers at once
 * (memory, cookie) should cost the request no promise.
 */
export function settle<T>(f: () => MaybePromise<T>, then: (value: T) => void, otherwise: (error: unknown) => void): void {
  let value: MaybePromise<T>;
  try {
    value = f();
  } catch (error) {
    return otherwise(error);
  }
  if (value instanceof Promise) value.then(then, otherwise);
  else then(value);
}
