import { SessionStoreError } from "../errors.js";
import type { SessionStorage } from "../engine/storage.js";
import type { SessionData } from "../session/session.js";
import { commitHeaders } from "./commit-policy.js";
import { runWithSession, type IntegrationOptions } from "./context.js";
import { fetchResponse, originOf, unavailableResponse, withHeaders } from "./fetch-response.js";
import { sessionOfRequest } from "./request-sessions.js";
import { session as honoSession } from "./hono.js";

export { getSession } from "./request-sessions.js";

/** @deprecated The Hono middleware lives at `tessera-session/hono`; this re-export goes in the next release. */
export const session = honoSession;

/**
 * Wraps any `(request, ...rest) => Response` handler (Bun.serve, Deno.serve,
 * Workers, Hono's `app.fetch`): the session is read on first use
 * (`getSession(request)` or `currentSession()`), saved after the handler, and
 * its `Set-Cookie` appended to the response. Nothing is saved when the handler
 * throws, answers 5xx, or answers nothing (a Bun WebSocket upgrade: its
 * `undefined` is passed on); a failing store is a 503. A `Secure` cookie is not
 * sent over plain http unless `trustProxy` lets `X-Forwarded-Proto: https` vouch for it.
 *
 * ```ts
 * Bun.serve({ fetch: withSession(storage, async (request) => {
 *   const session = await getSession(request);
 *   session.set("count", Number(session.get("count") ?? 0) + 1);
 *   return new Response(`count: ${session.get("count")}`);
 * }) });
 * ```
 */
export function withSession<Data = SessionData, FlashData = Data, Rest extends unknown[] = unknown[], Answer extends Response | undefined = Response>(
  storage: SessionStorage<Data, FlashData>,
  handler: (request: Request, ...rest: Rest) => Answer | Promise<Answer>,
  options: IntegrationOptions = {},
): (request: Request, ...rest: Rest) => Promise<Answer> {
  return async (request, ...rest) => {
    const rs = sessionOfRequest(storage, request);
    try {
      const response = await runWithSession(rs, () => handler(request, ...rest), options);
      // No response (Bun's `if (server.upgrade(request)) return;`): nothing could carry the cookie, so nothing is saved.
      if (!rs.session || response === undefined) return response;
      const headers = await commitHeaders(storage, rs.session, fetchResponse(response), () => originOf(request), options);
      return (headers ? withHeaders(response, headers) : response) as Answer;
    } catch (error) {
      if (error instanceof SessionStoreError) return unavailableResponse() as Answer;
      throw error;
    }
  };
}
