import { cookies, headers } from "next/headers.js";
import { SessionStoreError } from "../errors.js";
import type { SessionStorage } from "../engine/storage.js";
import type { Session } from "../session/session.js";
import { commitHeaders } from "./commit-policy.js";
import { fetchResponse, originOf, unavailableResponse, withHeaders } from "./fetch-response.js";
import { controlFlowStatus } from "./next-control-flow.js";
import { requestToken, setOnCookieStore, type NextCookieStore, type NextHeaderStore } from "./next-cookies.js";
import type { RequestOrigin, TransportOptions } from "./secure-origin.js";

/** A Route Handler that gets the request's session first: `(session, request, context)`. */
export type SessionRouteHandler<Data, FlashData, Req extends Request, Context> = (
  session: Session<Data, FlashData>,
  request: Req,
  context: Context,
) => Response | Promise<Response>;

/** A Server Action that gets the request's session first, then its own arguments. */
export type SessionAction<Data, FlashData, Args extends unknown[], Result> = (session: Session<Data, FlashData>, ...args: Args) => Result | Promise<Result>;

/** The 503 in place of whatever `answer` gives when the session store is down. */
async function orUnavailable(answer: () => Promise<Response>): Promise<Response> {
  try {
    return await answer();
  } catch (error) {
    if (error instanceof SessionStoreError) return unavailableResponse();
    throw error;
  }
}

/**
 * Saves `session` into Next's cookie store, for a response Next makes itself
 * (a Server Action's, or the one `redirect()` or `notFound()` in a Route Handler
 * ends with). Next adds its own `Cache-Control` to those; `Vary` is not sent.
 */
async function commitToCookies<Data, FlashData>(
  storage: SessionStorage<Data, FlashData>,
  session: Session<Data, FlashData>,
  readId: string,
  status: number,
  origin: () => RequestOrigin,
  options: TransportOptions,
): Promise<void> {
  const { transport } = storage;
  if (transport.kind !== "cookie") {
    // A token the client must get cannot go out here: a new session's, a new id's (a login), a cookie
    // session's new payload. That is refused before anything is written, or the failed request would
    // half-apply (a login's old id dead, its new one never sent). Anything else keeps the client's
    // token good: the store gets it (a flash shown, a value, a sign-out), and no header is due.
    if (session.dirty && (session.isNew || session.id !== readId || session.id === "")) {
      throw new Error(`tessera: a Server Action (or a thrown redirect) can set cookies only, not the ${transport.responseHeader} header: use a Route Handler that returns its Response`);
    }
    await commitHeaders(storage, session, { status, header: () => null }, origin, options);
    return;
  }
  const out = await commitHeaders(storage, session, { status, header: () => null }, origin, options);
  // One line, or a chunked session's several: each cookie on its own.
  const lines = out?.filter((h) => h.name === transport.responseHeader) ?? [];
  if (lines.length === 0) return;
  const store = (await cookies()) as NextCookieStore;
  for (const line of lines) setOnCookieStore(store, line.value);
}

/**
 * `route(handler)`: a Route Handler with its session. Read before the handler
 * (a store outage is a 503 and the handler never runs), saved after it:
 * into the Response it returns (the storage's `Set-Cookie` as it is, with
 * `Cache-Control: no-store` and `Vary`), or through `cookies()` when it ends with
 * `redirect()`/`notFound()`. A handler that throws anything else, or answers
 * 5xx, saves nothing; Next answers a throw with 500.
 */
export function routeWrapper<Data, FlashData>(storage: () => SessionStorage<Data, FlashData>, options: TransportOptions) {
  return <Req extends Request, Context>(handler: SessionRouteHandler<Data, FlashData, Req, Context>) =>
    (request: Req, context: Context): Promise<Response> =>
      orUnavailable(async () => {
        const s = storage();
        const origin = () => originOf(request);
        const session = await s.read(request);
        const readId = session.id;
        let response: Response;
        try {
          response = await handler(session, request, context);
        } catch (error) {
          const status = controlFlowStatus(error);
          if (status !== undefined) await commitToCookies(s, session, readId, status, origin, options);
          throw error;
        }
        const out = await commitHeaders(s, session, fetchResponse(response), origin, options);
        return out ? withHeaders(response, out) : response;
      });
}

/**
 * How a Server Action's request reached the server, from its headers (Next gives
 * an action no URL): as Next has it for a Route Handler's `request.url`, https
 * when `X-Forwarded-Proto` says so (Next sets the header from the connection
 * when a client did not send it), so that `route()` and `action()` agree.
 */
export function actionOrigin(headerStore: NextHeaderStore): RequestOrigin {
  const forwardedProto = headerStore.get("x-forwarded-proto");
  return { https: forwardedProto?.includes("https") === true, forwardedProto, host: headerStore.get("host") };
}

/**
 * `action(fn)`: a Server Action with its session, read when the action is
 * called and saved through `cookies()` when it returns or ends with
 * `redirect()`/`notFound()`. One that throws anything else saves nothing and
 * rejects with that error; a store outage rejects with `SessionStoreError`
 * (Next shows the nearest error boundary; the browser's cookie is left alone).
 */
export function actionWrapper<Data, FlashData>(storage: () => SessionStorage<Data, FlashData>, options: TransportOptions) {
  return <Args extends unknown[], Result>(fn: SessionAction<Data, FlashData, Args, Result>) =>
    async (...args: Args): Promise<Result> => {
      const s = storage();
      const [cookieStore, headerStore] = await Promise.all([cookies(), headers()]);
      const origin = () => actionOrigin(headerStore);
      const session = await s.read(requestToken(s, cookieStore as NextCookieStore, headerStore).input);
      const readId = session.id;
      let result: Result;
      try {
        result = await fn(session, ...args);
      } catch (error) {
        const status = controlFlowStatus(error);
        if (status !== undefined) await commitToCookies(s, session, readId, status, origin, options);
        throw error;
      }
      await commitToCookies(s, session, readId, 200, origin, options);
      return result;
    };
}
