// What a session value may be: what JSON carries and gives back equal.

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** What `JSON.stringify` takes and gives back equal: `undefined` object members are left out, as they are when read back. */
type JsonInput = string | number | boolean | null | readonly JsonInput[] | { readonly [key: string]: JsonInput | undefined };

/** Values JSON turns into something else: a string (`Date`), `{}` (`Map`, `Set`, `RegExp`), or nothing. */
type NotJson = Date | RegExp | Map<any, any> | Set<any> | WeakMap<any, any> | WeakSet<any> | Promise<any> | ArrayBuffer | ArrayBufferView;

/**
 * `T` as JSON would give it back: itself for JSON data, `never` where it is
 * not (a `Date`, `Map`, `Set`, function, `bigint`, `symbol`, deep inside too),
 * so that `set(key, value)` does not compile for such a value. A value typed
 * `unknown` is checked at run time only.
 */
export type JsonSafe<T> = unknown extends T
  ? T // `unknown` or `any`: nothing to check before run time
  : [T] extends [JsonInput | undefined]
    ? T // JSON already (and a recursive JSON type is not walked)
    : T extends string | number | boolean | null | undefined
      ? T
      : T extends NotJson | bigint | symbol | ((...args: any[]) => unknown)
        ? never
        : T extends object
          ? { [K in keyof T]: JsonSafe<T[K]> }
          : never;
