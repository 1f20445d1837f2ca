import type { Handle } from "@sveltejs/kit";
import type { SessionStorage } from "../engine/storage.js";
import type { Session, SessionData } from "../session/session.js";
import type { IntegrationOptions } from "./context.js";
import { withSession } from "./fetch.js";
import { getSession } from "./request-sessions.js";

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
 * a 5xx (an unexpected error) saves nothing. A store outage answers 503 and
 * leaves the client's cookie alone.
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
  const handler = withSession(
    storage,
    async (request, event: Parameters<Handle>[0]["event"], resolve: Parameters<Handle>[0]["resolve"]) => {
      // Read before resolve: a store outage is a 503 and no route runs.
      (event.locals as { session?: unknown }).session = await getSession<Data, FlashData>(request);
      return resolve(event);
    },
    options,
  );
  return ({ event, resolve }) => handler(event.request, event, resolve);
}
