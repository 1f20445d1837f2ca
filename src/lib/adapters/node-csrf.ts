import type { IncomingMessage, ServerResponse } from "node:http";
import { checkCsrf, type CsrfOptions } from "../csrf/check.js";
import type { SessionStorage } from "../engine/storage.js";
import type { Session } from "../session/session.js";
import { isAmbient } from "./csrf-fetch.js";

type Next = (error?: unknown) => void;

/** A form body a body parser put on the request (`express.urlencoded()`), if any. */
function parsedBody(req: IncomingMessage): Record<string, unknown> | undefined {
  const body = (req as { body?: unknown }).body;
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
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
  const ambient = isAmbient(storage);
  return function tesseraCsrf(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (!ambient) return next();
    const session = (req as { session?: Session<any, any> }).session;
    if (!session) return next(new Error("csrf(storage): no req.session: use it after session(storage)"));
    const result = checkCsrf(session, {
      method: req.method ?? "GET",
      host: req.headers.host,
      header: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      },
      field: (name) => {
        const value = parsedBody(req)?.[name];
        return typeof value === "string" ? value : undefined;
      },
    }, options);
    if (result.ok) return next();
    res.writeHead(403, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
    res.end(`${result.message}\n`);
  };
}
