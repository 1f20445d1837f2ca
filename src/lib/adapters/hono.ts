import type { MiddlewareHandler } from "hono";
import type { SessionStorage } from "../engine/storage.js";
import type { Session, SessionData } from "../session/session.js";
import { runWithSession, type IntegrationOptions } from "./context.js";
import { committedResponse, readOrUnavailable } from "./fetch-commit.js";
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
 * synchronous) and saved after it, unless the handler threw (`c.error`, an
 * `HTTPException` too); `getSession(c.req.raw)` and `currentSession()` find it too.
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
    const rs = sessionOfRequest(storage, c.req.raw);
    const current = await readOrUnavailable(rs);
    if (current instanceof Response) return current;
    c.set("session", current);
    await runWithSession(rs, next, options);
    // A handler that threw (an HTTPException too) saves nothing: Hono caught it and made the response (`c.error`).
    if (c.error) return;
    const response = await committedResponse(storage, current, c.res, c.req.raw, options);
    if (response === c.res) return;
    // A copy (the handler's Response was immutable): Hono's setter would merge the old response's
    // Set-Cookie and Vary back over the copy's, dropping the session cookie. Unset first, then set.
    c.res = undefined as unknown as Response;
    c.res = response;
  };
}
