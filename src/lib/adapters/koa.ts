import type { DefaultState, Middleware, ParameterizedContext } from "koa";
import { immediateOf } from "../engine/immediate.js";
import type { SessionStorage } from "../engine/storage.js";
import { SessionStoreError } from "../errors.js";
import type { Session, SessionData } from "../session/session.js";
import { commitHeaders, storeUnavailable } from "./commit-policy.js";
import { RequestSession, runWithSession, type IntegrationOptions } from "./context.js";
import { applyHeaders, responseSoFar, type HeaderTarget } from "./header-target.js";
import { nodeRequestOrigin } from "./node-origin.js";

/**
 * What the middleware adds to Koa's context: `ctx.session`, typed with the
 * storage's data. `new Koa<DefaultState, SessionContext<Data>>()` types every
 * middleware of the app (and `new Router<DefaultState, SessionContext<Data>>()`
 * a router's); `app.use(session(storage))` returns the app typed so.
 */
export interface SessionContext<Data = SessionData, FlashData = Data> {
  session: Session<Data, FlashData>;
}

type Context = ParameterizedContext<DefaultState, SessionContext<any, any>>;

/** Koa's response headers as the commit writes them (`ctx.append` adds a `Set-Cookie` line to those the app set). */
function contextHeaders(ctx: Context): HeaderTarget {
  return {
    get: (name) => ctx.response.get(name),
    set: (name, value) => ctx.set(name, value),
    addCookie: (value) => ctx.append("Set-Cookie", value),
  };
}

/** The store failed: a 503 in place of whatever the response held, never a fresh session over the user's cookie. */
function unavailable(ctx: Context, error: SessionStoreError): void {
  for (const name of ctx.res.getHeaderNames()) ctx.remove(name);
  ctx.body = storeUnavailable.body;
  ctx.status = storeUnavailable.status;
  ctx.set(storeUnavailable.headers);
  // Koa's way to report an error it answered itself: the app's "error" listeners (Koa's own logs it).
  if (ctx.app.listenerCount("error") > 0) ctx.app.emit("error", error, ctx);
}

/**
 * Koa middleware: `app.use(session(storage))`, then `ctx.session` downstream.
 * The session is read before `next()` and saved once it returns, before Koa
 * writes the response. Nothing is saved when a middleware downstream throws
 * (the error goes on up, to Koa's error handling), when the response is a 5xx,
 * or when its head went out already (a middleware wrote to `ctx.res` itself);
 * a failing store answers 503 and the client's cookie stays as it was.
 *
 * ```ts
 * const app = new Koa<DefaultState, SessionContext<Data>>();
 * app.use(session(storage));
 * app.use((ctx) => {
 *   ctx.session.set("count", (ctx.session.get("count") ?? 0) + 1);
 *   ctx.body = String(ctx.session.get("count"));
 * });
 * ```
 */
export function session<Data = SessionData, FlashData = Data>(
  storage: SessionStorage<Data, FlashData>,
  options: IntegrationOptions = {},
): Middleware<DefaultState, SessionContext<Data, FlashData>> {
  const reader = immediateOf(storage);
  return async (ctx, next) => {
    let current: Session<Data, FlashData>;
    try {
      // A storage that answers at once (memory, cookie) costs no promise here.
      const read = reader.read(ctx.get(storage.transport.requestHeader) || null);
      current = read instanceof Promise ? await read : read;
    } catch (error) {
      if (error instanceof SessionStoreError) return unavailable(ctx, error);
      throw error;
    }
    ctx.session = current;
    await runWithSession(RequestSession.of(current), next, options);
    if (ctx.headerSent) return;
    const target = contextHeaders(ctx);
    try {
      const saved = commitHeaders(storage, current, responseSoFar(ctx.status, target), () => nodeRequestOrigin(ctx.req), options);
      const headers = saved instanceof Promise ? await saved : saved;
      if (headers) applyHeaders(target, headers);
    } catch (error) {
      if (error instanceof SessionStoreError) return unavailable(ctx, error);
      throw error;
    }
  };
}
