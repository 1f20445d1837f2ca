import type { Middleware } from "koa";
import type { CsrfOptions } from "../csrf/check.js";
import type { SessionStorage } from "../engine/storage.js";
import { FORBIDDEN_HEADERS, isAmbient } from "./csrf-fetch.js";
import type { SessionContext } from "./koa.js";
import { checkNodeRequest } from "./node-csrf.js";

/**
 * Koa middleware, after `session(storage)` (and after a body parser such as
 * `koa-bodyparser` for the `_csrf` form field, or send the token as
 * `x-csrf-token`): an unsafe request without this session's token, from
 * another site, or from an untrusted `Origin` is answered 403 and goes no
 * further. Sessions carried in a header are not checked.
 *
 * ```ts
 * app.use(session(storage)).use(csrf(storage));
 * ```
 */
export function csrf(storage: SessionStorage<any, any>, options: CsrfOptions = {}): Middleware<any, SessionContext<any, any>> {
  const ambient = isAmbient(storage, options);
  return async (ctx, next) => {
    if (ambient) {
      if (!ctx.session) throw new Error("csrf(storage): no ctx.session: use it after session(storage)");
      const result = checkNodeRequest(ctx.session, ctx.req, (ctx.request as { body?: unknown }).body, options);
      if (!result.ok) {
        ctx.status = 403;
        ctx.set(FORBIDDEN_HEADERS);
        ctx.body = `${result.message}\n`;
        return;
      }
    }
    await next();
  };
}
