import type { FastifyReply, FastifyRequest } from "fastify";
import type { CsrfOptions } from "../csrf/check.js";
import type { SessionStorage } from "../engine/storage.js";
import type { Session } from "../session/session.js";
import { FORBIDDEN_HEADERS, isAmbient } from "./csrf-fetch.js";
import { checkNodeRequest } from "./node-csrf.js";

/**
 * A Fastify `preHandler` hook, in the scope the session plugin serves (it runs
 * after the body is parsed: register `@fastify/formbody` for the `_csrf` form
 * field, or send the token as `x-csrf-token`): an unsafe request without this
 * session's token, from another site, or from an untrusted `Origin` is
 * answered 403. Sessions carried in a header are not checked.
 *
 * ```ts
 * await app.register(session, { storage });
 * app.addHook("preHandler", csrf(storage));
 * ```
 */
export function csrf(storage: SessionStorage<any, any>, options: CsrfOptions = {}) {
  const ambient = isAmbient(storage, options);
  return async function tesseraCsrf(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!ambient) return;
    const session = (request as unknown as { session?: Session<any, any> }).session;
    if (!session) throw new Error("csrf(storage): no request.session: add the hook where the session plugin is registered");
    const result = checkNodeRequest(session, request.raw, request.body, options);
    if (!result.ok) await reply.code(403).headers(FORBIDDEN_HEADERS).send(`${result.message}\n`);
  };
}
