import { toResponse, type H3Event, type H3EventContext, type Middleware } from "h3";
import type { SessionStorage } from "../engine/storage.js";
import type { Session, SessionData } from "../session/session.js";
import { runWithSession, type IntegrationOptions } from "./context.js";
import { committedResponse, readOrUnavailable } from "./fetch-commit.js";
import { sessionOfRequest } from "./request-sessions.js";

/**
 * What the middleware adds to h3's event context: `event.context.session`.
 * An app types it once, for every handler, by extending h3's context:
 *
 * ```ts
 * declare module "h3" {
 *   interface H3EventContext extends SessionContext<Data> {}
 * }
 * ```
 */
export interface SessionContext<Data = SessionData, FlashData = Data> {
  session: Session<Data, FlashData>;
}

/** The session type an app gave `H3EventContext` (required or optional), or the untyped session when it gave none. */
export type ContextSession = H3EventContext extends { session?: infer S } ? (NonNullable<S> extends Session<any, any> ? NonNullable<S> : Session) : Session;

/**
 * h3 2 middleware: `app.use(session(storage))`, then `useSession(event)` (or
 * `event.context.session`) in any handler. The session is read before the
 * handlers run and saved on the response they make, whatever they return (a
 * `Response`, text, JSON, a `redirect()`): h3's own `toResponse` turns the
 * value into the response first, as h3 would. Nothing is saved when a handler
 * throws (an `HTTPError` too: the error goes on to h3's error handling) or the
 * response is a 5xx; a failing store answers 503 and the client's cookie stays
 * as it was. `getSession(event.req)` and `currentSession()` find the session
 * too. Nothing here needs Node: it runs wherever h3 does.
 *
 * ```ts
 * const app = new H3();
 * app.use(session(storage));
 * app.get("/", (event) => {
 *   const s = useSession(event);
 *   s.set("count", (s.get("count") ?? 0) + 1);
 *   return { count: s.get("count") };
 * });
 * ```
 */
export function session<Data = SessionData, FlashData = Data>(storage: SessionStorage<Data, FlashData>, options: IntegrationOptions = {}): Middleware {
  return async (event, next) => {
    const rs = sessionOfRequest(storage, event.req);
    const current = await readOrUnavailable(rs);
    if (current instanceof Response) return current;
    (event.context as { session?: unknown }).session = current;
    const value = await runWithSession(rs, next, options);
    // h3 runs the app's onResponse on the Response this returns: not here as well, before the cookie is on it.
    const { onResponse: _later, ...config } = event.app?.config ?? {};
    const response = await toResponse(value, event, config);
    return committedResponse(storage, current, response, event.req, options);
  };
}

/**
 * The session the middleware read for `event`, typed as the app's
 * `H3EventContext` says (see `SessionContext`). Throws when no `session()`
 * middleware ran for this event: a handler mounted before it, or on another app.
 */
export function useSession(event: H3Event): ContextSession {
  const found = (event.context as { session?: ContextSession }).session;
  if (!found) {
    throw new Error("useSession(event): no session() middleware ran for this request: app.use(session(storage)) before the routes that use it");
  }
  return found;
}
