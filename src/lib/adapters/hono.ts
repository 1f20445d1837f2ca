import type { MiddlewareHandler } from "hono";
import { SessionStoreError } from "../errors.js";
import type { SessionStorage } from "../engine/storage.js";
import type { Session, SessionData } from "../session/session.js";
import { commitHeaders } from "./commit-policy.js";
import { runWithSession, type IntegrationOptions } from "./context.js";
import { fetchResponse, originOf, unavailableResponse, withHeaders } from "./fetch-response.js";
import { sessionOfRequest } from "./request-sessions.js";

/**
 * The Hono `Env` the middleware provides: `c.get("session")` typed with the
 * storage's data. `new Hono<SessionEnv<Data>>()` types every handler of the app;
 * `app.use(session(storage))` types the routes chained after it.
 */
export interface SessionEnv<Data = SessionData, FlashData = Data> {
  Variables: { session: Session<Data, FlashData> };
}

/**
 * Hono middleware: `app.use(session(storage))`, then `c.get("session")` in any
 * handler. The session is read before the handler (Hono's `c.get` is
 * synchronous) and saved after it; `getSession(c.req.raw)` and
 * `currentSession()` find it too.
 *
 * ```ts
 * import { session } from "tessera-session/hono";
 * const app = new Hono<SessionEnv<Data>>();
 * app.use(session(storage));
 * app.get("/", (c) => c.text(String(c.get("session").get("count"))));
 * ```
 */
export function session<Data = SessionData, FlashData = Data>(
  storage: SessionStorage<Data, FlashData>,
  options: IntegrationOptions = {},
): MiddlewareHandler<SessionEnv<Data, FlashData>> {
  return async (c, next) => {
    const request = c.req.raw;
    const rs = sessionOfRequest(storage, request);
    let current: Session<Data, FlashData>;
    try {
      current = await rs.get();
    } catch (error) {
      if (error instanceof SessionStoreError) return unavailableResponse();
      throw error;
    }
    c.set("session", current);
    await runWithSession(rs, next, options);
    try {
      const headers = await commitHeaders(storage, current, fetchResponse(c.res), () => originOf(request), options);
      if (headers) c.res = withHeaders(c.res, headers);
    } catch (error) {
      if (error instanceof SessionStoreError) c.res = unavailableResponse();
      else throw error;
    }
  };
}
