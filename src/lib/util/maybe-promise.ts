/**
 * A value, or a promise of it. Hot paths await only real promises: each needless
 * await costs a request a microtask turn, and more under AsyncLocalStorage, whose
 * hooks run for every promise made while a request is in flight.
 */
export type MaybePromise<T> = T | Promise<T>;

/** `f(x)`: now when `x` is a value, once it settles when it is a promise. */
export function chain<T, U>(x: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return x instanceof Promise ? x.then(f) : f(x);
}

/** What `f` gives, always as a promise, for public methods: a synchronous throw becomes a rejection. */
export function promised<T>(f: () => MaybePromise<T>): Promise<T> {
  try {
    const out = f();
    return out instanceof Promise ? out : Promise.resolve(out);
  } catch (error) {
    return Promise.reject(error);
  }
}
