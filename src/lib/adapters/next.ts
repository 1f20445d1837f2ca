import type { SessionStorage } from "../engine/storage.js";
import type { SessionData } from "../session/session.js";
import { proxyHelper } from "./next-proxy.js";
import { readonlyReader } from "./next-read.js";
import type { ReadonlySession } from "./next-view.js";
import { actionWrapper, routeWrapper, type SessionAction, type SessionRouteHandler } from "./next-write.js";
import type { TransportOptions } from "./secure-origin.js";

/** Options of `nextSession`. */
export type NextSessionOptions = TransportOptions;

/** Sessions for one storage in a Next.js App Router app; the storage's data type reaches each of these. */
export interface NextSessions<Data = SessionData, FlashData = Data> {
  /**
   * The session, read-only: for Server Components (and any server code in a
   * request). Flash values read here stay until something that can write a
   * cookie consumes them: the proxy, for the page it lets through (which then
   * shows them once), or a Route Handler or Server Action that reads them.
   */
  getSession(): Promise<ReadonlySession<Data, FlashData>>;
  /** A Route Handler with its session: saved after the handler, unless it throws or answers 5xx. */
  route<Req extends Request, Context>(handler: SessionRouteHandler<Data, FlashData, Req, Context>): (request: Req, context: Context) => Promise<Response>;
  /** A Server Action with its session: saved when it returns, `redirect()`s or `notFound()`s, never when it throws. */
  action<Args extends unknown[], Result>(fn: SessionAction<Data, FlashData, Args, Result>): (...args: Args) => Promise<Result>;
  /** For `proxy.ts` (`middleware.ts` in Next 15): the sliding refresh and the flash of page navigations. */
  proxy(request: Request): Promise<Response>;
}

/**
 * Sessions for a Next.js App Router app. `storage` may be a function: it is
 * called on the first request, so `next build` (which imports your modules)
 * connects to no store.
 *
 * ```ts
 * export const session = nextSession(() => createRedisSessionStorage<Data>({ client, cookie }));
 * ```
 */
export function nextSession<Data = SessionData, FlashData = Data>(
  storage: SessionStorage<Data, FlashData> | (() => SessionStorage<Data, FlashData>),
  options: NextSessionOptions = {},
): NextSessions<Data, FlashData> {
  let made: SessionStorage<Data, FlashData> | undefined;
  const get = typeof storage === "function" ? () => (made ??= storage()) : () => storage;
  return {
    getSession: readonlyReader(get),
    route: routeWrapper(get, options),
    action: actionWrapper(get, options),
    proxy: proxyHelper(get, options),
  };
}
