import { SessionStoreError } from "../errors.js";
import type { Session, SessionData } from "../session/session.js";
import type { SessionStorage } from "../engine/storage.js";
import { RequestSession, runWithSession, type IntegrationOptions } from "./context.js";
import { varies } from "./vary.js";
import { mayCarrySecureCookie, warnInsecure, type TransportOptions } from "./secure-origin.js";

const byRequest = new WeakMap<Request, RequestSession<any, any>>();

/**
 * The session of a request handled inside `withSession()`, read on first use.
 *
 * ```ts
 * export default { fetch: withSession(storage, async (request) => {
 *   const session = await getSession(request);
 *   ...
 * }) };
 * ```
 */
export function getSession<Data = SessionData, FlashData = Data>(request: Request): Promise<Session<Data, FlashData>> {
  const rs = byRequest.get(request);
  if (!rs) return Promise.reject(new Error("getSession(request): this request is not handled inside withSession()"));
  return rs.get() as Promise<Session<Data, FlashData>>;
}

/** Sets a header on a response whose headers may be immutable (Response.redirect, fetch): copies it then. */
function withHeaders(response: Response, edit: (headers: Headers) => void): Response {
  try {
    edit(response.headers);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const copy = new Response(response.body, response);
    edit(copy.headers);
    return copy;
  }
}

/**
 * The session's header on `response`: its `Set-Cookie` appended (other cookies
 * kept), `Cache-Control: no-store` unless the handler chose its own, and
 * `Vary: Cookie` (SECURITY E4). A 5xx response persists nothing (SECURITY K3).
 */
async function commitToResponse<Data, FlashData>(
  storage: SessionStorage<Data, FlashData>,
  session: Session<Data, FlashData> | undefined,
  response: Response,
  request: Request,
  options: TransportOptions,
): Promise<Response> {
  if (!session || response.status >= 500) return response;
  const { transport } = storage;
  if (transport.kind === "cookie" && storage.cookie.attributes.secure) {
    const url = new URL(request.url);
    const origin = { https: url.protocol === "https:", forwardedProto: request.headers.get("x-forwarded-proto"), host: url.hostname };
    if (!mayCarrySecureCookie(origin, options)) {
      // Nothing is saved either: a session the client can never send back is waste.
      if (session.dirty) warnInsecure();
      return response;
    }
  }
  const value = await storage.save(session);
  if (value === null) return response;
  const varyOn = transport.kind === "cookie" ? "Cookie" : transport.responseHeader;
  return withHeaders(response, (headers) => {
    if (transport.kind === "cookie") headers.append("Set-Cookie", value);
    else headers.set(transport.responseHeader, value);
    if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
    if (!varies(headers.get("Vary"), varyOn)) headers.append("Vary", varyOn);
  });
}

/** The answer when the session store is down: never an anonymous session that would overwrite the user's cookie. */
function storeUnavailable(): Response {
  return new Response("Service Unavailable: the session store cannot be reached\n", {
    status: 503,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "5", "Cache-Control": "no-store" },
  });
}

/**
 * Wraps any `(request, ...rest) => Response` handler (Bun.serve, Deno.serve,
 * Workers, Hono's `app.fetch`): the session is read on first use
 * (`getSession(request)` or `currentSession()`), saved after the handler, and
 * its `Set-Cookie` appended to the response. Nothing is saved when the handler
 * throws or answers 5xx; a failing store is a 503. A `Secure` cookie is not sent
 * over plain http unless `trustProxy` lets `X-Forwarded-Proto: https` vouch for it.
 *
 * ```ts
 * Bun.serve({ fetch: withSession(storage, async (request) => {
 *   const session = await getSession(request);
 *   session.set("count", Number(session.get("count") ?? 0) + 1);
 *   return new Response(`count: ${session.get("count")}`);
 * }) });
 * ```
 */
export function withSession<Data = SessionData, FlashData = Data, Rest extends unknown[] = unknown[]>(
  storage: SessionStorage<Data, FlashData>,
  handler: (request: Request, ...rest: Rest) => Response | Promise<Response>,
  options: IntegrationOptions = {},
): (request: Request, ...rest: Rest) => Promise<Response> {
  return async (request, ...rest) => {
    const rs = new RequestSession(() => storage.read(request));
    byRequest.set(request, rs);
    try {
      const response = await runWithSession(rs, () => handler(request, ...rest), options);
      return await commitToResponse(storage, rs.session, response, request, options);
    } catch (error) {
      if (error instanceof SessionStoreError) return storeUnavailable();
      throw error;
    }
  };
}

/** The Hono context as far as this middleware uses it. */
interface HonoContextLike {
  req: { raw: Request };
  res: Response;
  set(key: "session", value: Session<any, any>): void;
}

/**
 * Hono middleware: `app.use(session(storage))`, then `c.get("session")` in any
 * handler. The session is read before the handler (Hono's `c.get` is
 * synchronous) and saved after it.
 *
 * ```ts
 * const app = new Hono<{ Variables: { session: Session } }>();
 * app.use(session(storage));
 * app.get("/", (c) => c.text(String(c.get("session").get("count"))));
 * ```
 */
export function session<Data = SessionData, FlashData = Data>(storage: SessionStorage<Data, FlashData>, options: IntegrationOptions = {}) {
  return async (c: HonoContextLike, next: () => Promise<void>): Promise<Response | void> => {
    const rs = new RequestSession(() => storage.read(c.req.raw));
    byRequest.set(c.req.raw, rs);
    let current: Session<Data, FlashData>;
    try {
      current = await rs.get();
    } catch (error) {
      if (error instanceof SessionStoreError) return storeUnavailable();
      throw error;
    }
    c.set("session", current);
    await runWithSession(rs, next, options);
    try {
      c.res = await commitToResponse(storage, current, c.res, c.req.raw, options);
    } catch (error) {
      if (error instanceof SessionStoreError) c.res = storeUnavailable();
      else throw error;
    }
  };
}
