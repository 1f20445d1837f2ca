import type { IncomingMessage, ServerResponse } from "node:http";
import { checkCsrf, type CsrfOptions, type CsrfResult } from "../csrf/check.js";
import type { SessionStorage } from "../engine/storage.js";
import type { Session } from "../session/session.js";
import { FORBIDDEN_HEADERS, isAmbient } from "./csrf-fetch.js";
import { hostOf } from "./node-origin.js";

type Next = (error?: unknown) => void;

/** A form body a body parser put on the request (`express.urlencoded()`, `@fastify/formbody`, `koa-bodyparser`), if any. */
function fieldOf(body: unknown, name: string): string | undefined {
  const value = typeof body === "object" && body !== null && Object.hasOwn(body, name) ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === "string" ? value : undefined;
}

/** The CSRF check of a Node request for `session`, the token's form field read from `body` (what a parser made of it). */
export function checkNodeRequest(session: Session<any, any>, req: IncomingMessage, body: unknown, options: CsrfOptions): CsrfResult {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return checkCsrf(session, { method: req.method ?? "GET", host: hostOf(req), header, field: (name) => fieldOf(body, name) }, options);
}

/**
 * Middleware for `node:http`, Express and Connect, after `session(storage)`:
 * an unsafe request without this session's CSRF token (header `x-csrf-token`,
 * or form field `_csrf` of a body a parser such as `express.urlencoded()` read
 * first), from another site, or from an untrusted `Origin` is answered 403.
 * Sessions carried in a header are not checked.
 *
 * ```ts
 * app.use(express.urlencoded({ extended: false }), session(storage), csrf(storage));
 * app.get("/form", (req, res) => res.send(`<input type="hidden" name="_csrf" value="${csrfToken(req.session)}">`));
 * ```
 */
export function csrf(storage: SessionStorage<any, any>, options: CsrfOptions = {}) {
  const ambient = isAmbient(storage, options);
  return function tesseraCsrf(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (!ambient) return next();
    const session = (req as { session?: Session<any, any> }).session;
    if (!session) return next(new Error("csrf(storage): no req.session: use it after session(storage)"));
    const result = checkNodeRequest(session, req, (req as { body?: unknown }).body, options);
    if (result.ok) return next();
    res.writeHead(403, FORBIDDEN_HEADERS);
    res.end(`${result.message}\n`);
  };
}
