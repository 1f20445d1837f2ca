import type { Handle } from "@sveltejs/kit";
import type { SessionStorage } from "../engine/storage.js";
import type { Session, SessionData } from "../session/session.js";
import { isCookieOf } from "../util/cookie-of.js";
import { tokenCacheHeaders } from "./commit-policy.js";
import { runWithSession, type IntegrationOptions } from "./context.js";
import { committedResponse, readOrUnavailable } from "./fetch-commit.js";
import { fetchResponse, withHeaders } from "./fetch-response.js";
import { sessionOfRequest } from "./request-sessions.js";
import { dataResponseStatus } from "./sveltekit-data.js";

/**
 * What the hook adds to `event.locals`: the session, typed with the storage's
 * data. SvelteKit types `locals` through the global `App.Locals`, so an app
 * names its session there, once, in `src/app.d.ts`:
 *
 * ```ts
 * import type { SessionLocals } from "tessera-session/sveltekit";
 * import type { AppData, AppFlash } from "$lib/server/session";
 * declare global {
 *   namespace App {
 *     interface Locals extends SessionLocals<AppData, AppFlash> {}
 *   }
 * }
 * export {};
 * ```
 */
export interface SessionLocals<Data = SessionData, FlashData = Data> {
  session: Session<Data, FlashData>;
}

/**
 * SvelteKit's server `handle` hook: `export const handle = sessionHandle(storage)`
 * in `src/hooks.server.ts` (or one step of `sequence(...)`), then
 * `event.locals.session` in every `load`, form action and `+server.ts`;
 * `currentSession()` and `getSession(event.request)` find it too.
 *
 * The session is read before `resolve(event)` (`locals` are read synchronously)
 * and saved into the Response `resolve` gives, which is where every answer of a
 * route ends up: a thrown `redirect()` (a form action's 303, a load's or an
 * endpoint's), a thrown `error(4xx)`, a rendered page. The commit policy goes by
 * that Response's status: a 3xx or a 4xx (`error(401)` too) saves the session,
 * a 5xx (an unexpected error) saves nothing. A client-side navigation's data
 * (`__data.json`) is a 200 even when a load failed: it goes by the status its
 * failed node stands for, as the document would. A store outage answers 503 and
 * leaves the client's cookie alone.
 *
 * A load that calls the app's own endpoint with SvelteKit's `fetch` gets the
 * endpoint's session cookie onto the page's response. When the page itself
 * changed nothing, that cookie is the one sent (no sliding refresh of the older
 * session over it); when both changed a cookie session, the page's, saved last,
 * wins (a store session keeps both: each saves the keys it changed).
 *
 * The token goes out as a header of that Response, not through `event.cookies`:
 * by the time the route has changed the session, SvelteKit has closed
 * `event.cookies.set` ("after the response has been generated"), and the
 * storage's header carries its own attributes (and may be no cookie at all).
 * The app's own `event.cookies` lines are on the Response already and stay.
 *
 * A hook placed after this one in a `sequence` that throws `redirect()` ends
 * `resolve` with a throw, not a Response: nothing is saved then. Redirect from
 * the route, or return the 303 Response from that hook instead.
 */
export function sessionHandle<Data = SessionData, FlashData = Data>(storage: SessionStorage<Data, FlashData>, options: IntegrationOptions = {}): Handle {
  return async ({ event, resolve }) => {
    const rs = sessionOfRequest(storage, event.request);
    // Read before resolve: a store outage is a 503 and no route runs.
    const current = await readOrUnavailable(rs);
    if (current instanceof Response) return current;
    (event.locals as { session?: unknown }).session = current;
    let response = await runWithSession(rs, () => resolve(event), options);
    // A page's load that fetched the app's own endpoint (SvelteKit's `fetch`, an internal request)
    // brings that endpoint's session cookie onto this response: it is newer than what this request
    // read, so a request that changed nothing sends no refresh of its own over it. The page carries
    // the cookie all the same, and is kept out of shared caches as any response with one is.
    if (!current.dirty && carriesCookie(response, storage)) return withHeaders(response, tokenCacheHeaders(fetchResponse(response), "Cookie"));
    let status = response.status;
    // A client-side navigation's data is a 200 even when its load failed: its nodes tell.
    if (event.isDataRequest && current.dirty) ({ status, response } = await dataResponseStatus(response));
    return committedResponse(storage, current, response, event.request, options, status);
  };
}

/** Whether `response` sets the storage's session cookie (`name=`, or a chunk of it: `name.0=`) already. */
function carriesCookie(response: Response, storage: SessionStorage<any, any>): boolean {
  if (storage.transport.kind !== "cookie") return false;
  const name = storage.cookie.name;
  return response.headers.getSetCookie().some((line) => isCookieOf(line.slice(0, line.indexOf("=")), name));
}
