import type { SessionStorage } from "../engine/storage.js";
import type { Session, SessionData } from "../session/session.js";
import { RequestSession, requestSessionInContext } from "./context.js";

const byRequest = new WeakMap<Request, RequestSession<any, any>>();

/** The session of `request`, read on first use, and findable by `getSession(request)`. */
export function sessionOfRequest<Data, FlashData>(storage: SessionStorage<Data, FlashData>, request: Request): RequestSession<Data, FlashData> {
  const rs = new RequestSession<Data, FlashData>(() => storage.read(request));
  byRequest.set(request, rs);
  return rs;
}

/**
 * The session of a request handled inside `withSession()` (or the Hono
 * middleware), read on first use. It is found by the `Request` object the
 * handler was given; a request derived from it (`new Request(url, request)`, as
 * middleware chains make) is another object, found through the request being
 * handled (AsyncLocalStorage, as `currentSession()` does) where the runtime has it.
 *
 * ```ts
 * export default { fetch: withSession(storage, async (request) => {
 *   const session = await getSession(request);
 *   ...
 * }) };
 * ```
 */
export function getSession<Data = SessionData, FlashData = Data>(request: Request): Promise<Session<Data, FlashData>> {
  const rs = byRequest.get(request) ?? requestSessionInContext();
  if (!rs) {
    return Promise.reject(
      new Error(
        "getSession(request): this request is not handled inside withSession() or the session() middleware. " +
          "A request derived from the handled one (new Request(url, request)) is found only while that request is handled, " +
          "where the runtime has AsyncLocalStorage and the integration was made without { currentSession: false }: " +
          "pass the Request the handler was given, or call currentSession()",
      ),
    );
  }
  return rs.get() as Promise<Session<Data, FlashData>>;
}
