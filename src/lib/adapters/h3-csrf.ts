import type { Middleware } from "h3";
import type { CsrfOptions } from "../csrf/check.js";
import type { SessionStorage } from "../engine/storage.js";
import { csrfVerdict, dropUnread, isAmbient } from "./csrf-fetch.js";
import { useSession } from "./h3.js";

/**
 * h3 middleware, after `session(storage)`: an unsafe request without this
 * session's CSRF token (header `x-csrf-token` or form field `_csrf`), from
 * another site, or from an untrusted `Origin` is answered 403. Sessions carried
 * in a header are not checked.
 */
export function csrf(storage: SessionStorage<any, any>, options: CsrfOptions = {}): Middleware {
  const ambient = isAmbient(storage, options);
  return async (event, next) => {
    if (!ambient) return next();
    const verdict = await csrfVerdict(event.req, useSession(event), options);
    if (verdict.refused) return verdict.refused;
    const value = await next();
    dropUnread(event.req, verdict);
    return value;
  };
}
