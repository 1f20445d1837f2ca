import type { MiddlewareHandler } from "hono";
import type { CsrfOptions } from "../csrf/check.js";
import type { SessionStorage } from "../engine/storage.js";
import type { SessionData } from "../session/session.js";
import { csrfVerdict, dropUnread, isAmbient } from "./csrf-fetch.js";
import type { SessionEnv } from "./hono.js";

/**
 * Hono middleware, after `session(storage)`: an unsafe request without this
 * session's CSRF token (header `x-csrf-token` or form field `_csrf`), from
 * another site, or from an untrusted `Origin` is answered 403. Sessions carried
 * in a header are not checked.
 *
 * ```ts
 * app.use(session(storage), csrf(storage));
 * app.get("/form", (c) => c.html(`<input type="hidden" name="_csrf" value="${csrfToken(c.get("session"))}">`));
 * ```
 */
export function csrf<Data = SessionData, FlashData = Data>(
  storage: SessionStorage<Data, FlashData>,
  options: CsrfOptions = {},
): MiddlewareHandler<SessionEnv<Data, FlashData>> {
  const ambient = isAmbient(storage, options);
  return async (c, next) => {
    if (ambient) {
      const session = c.get("session");
      if (!session) throw new Error('csrf(storage): no c.get("session"): use it after session(storage)');
      // Hono keeps what a middleware before this one read of the body (parseBody, formData, text): the form is read from it.
      const verdict = await csrfVerdict(c.req.raw, session, options, () => c.req.formData());
      if (verdict.refused) return verdict.refused;
      await next();
      dropUnread(c.req.raw, verdict);
      return;
    }
    await next();
  };
}
