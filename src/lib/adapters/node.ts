import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { TLSSocket } from "node:tls";
import { SessionStoreError } from "../errors.js";
import type { Session, SessionData } from "../session/session.js";
import type { MaybePromise } from "../util/maybe-promise.js";
import { readAtOnce, saveAtOnce, type SessionStorage } from "../engine/storage.js";
import { holdResponse } from "./node-hold.js";
import { RequestSession, runWithSession, type IntegrationOptions } from "./context.js";
import { varies } from "./vary.js";
import { mayCarrySecureCookie, warnInsecure } from "./secure-origin.js";

export type SessionRequest<Data = SessionData, FlashData = Data> = IncomingMessage & { session: Session<Data, FlashData> };

type Next = (error?: unknown) => unknown;

/** Adds `value` to the `Set-Cookie` headers a deferred `writeHead(status, headers)` would send. */
function addToWriteHeadHeaders(args: unknown[], name: string, value: string): boolean {
  const at = args.findIndex((a) => typeof a === "object" && a !== null);
  if (at < 0) return false;
  const headers = args[at] as OutgoingHttpHeaders | unknown[];
  // Copies, never the caller's own: an app may pass one headers object to every
  // response, and one client's session cookie must never reach another client.
  if (Array.isArray(headers)) {
    args[at] = [...headers, name, value];
    return true;
  }
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return false;
  const current = headers[key];
  args[at] = { ...headers, [key]: Array.isArray(current) ? [...current, value] : current === undefined ? value : [String(current), value] };
  return true;
}

function writeHeadHas(args: unknown[], name: string): boolean {
  const headers = args.find((a) => typeof a === "object" && a !== null);
  if (!headers) return false;
  if (Array.isArray(headers)) return headers.some((h, i) => i % 2 === 0 && String(h).toLowerCase() === name);
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

/**
 * Session middleware for `node:http`, Express 5 and Connect: `req.session`,
 * saved before the response's headers are written. Nothing is saved when the
 * response is a 5xx (a thrown error reaching Express's error handler, for one)
 * or when the handler throws; a store that fails is a 503 (`next(error)` with
 * `error.status = 503` while reading, a 503 response while saving). An error
 * thrown by a response call held back while the session saved goes to
 * `next(error)` (when `next` takes an error and nothing was sent yet), else is
 * a 500, else closes the connection: it never reaches the process.
 *
 * ```ts
 * // Express
 * app.use(session(storage));
 * app.get("/", (req, res) => { req.session.set("n", 1); res.send("ok"); });
 *
 * // node:http
 * const withSession = session(storage);
 * http.createServer((req, res) => withSession(req, res, (error) => error ? fail(res, error) : handle(req, res)));
 * ```
 */
export function session<Data = SessionData, FlashData = Data>(storage: SessionStorage<Data, FlashData>, options: IntegrationOptions = {}) {
  return function tesseraSession(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const unreadable = (error: unknown) => {
      if (error instanceof SessionStoreError) Object.assign(error, { status: 503, statusCode: 503, expose: true });
      toNext(res, next, error);
    };
    let current: MaybePromise<Session<Data, FlashData>>;
    try {
      current = readAtOnce(storage, storage.transport.kind === "cookie" ? (req.headers.cookie ?? null) : headersOf(req));
    } catch (error) {
      return unreadable(error);
    }
    // A storage that answers at once (memory, cookie) makes no promise for the whole request.
    if (current instanceof Promise) current.then((s) => handle(storage, options, s, req, res, next), unreadable);
    else handle(storage, options, current, req, res, next);
  };
}

/** Runs the rest of the chain with `current` as `req.session`, and saves it before the response goes out. */
function handle<Data, FlashData>(
  storage: SessionStorage<Data, FlashData>,
  options: IntegrationOptions,
  current: Session<Data, FlashData>,
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
): void {
  let handlerFailed = false;
  (req as SessionRequest<Data, FlashData>).session = current;
  holdResponse(
    res,
    (held) => {
      if (handlerFailed || held.status >= 500) return held.send();
      const { transport } = storage;
      if (transport.kind === "cookie" && storage.cookie.attributes.secure) {
        const forwarded = req.headers["x-forwarded-proto"];
        const origin = { https: req.socket instanceof TLSSocket, forwardedProto: Array.isArray(forwarded) ? forwarded[0] : forwarded, host: req.headers.host };
        if (!mayCarrySecureCookie(origin, options)) {
          if (current.dirty) warnInsecure();
          return held.send();
        }
      }
      const saved = (value: string | null) => {
        try {
          if (value !== null) addSessionHeaders(res, storage, value, held.headArgs);
        } catch (error) {
          return held.fail(error);
        }
        held.send();
      };
      const unsaved = (error: unknown) => (error instanceof SessionStoreError ? held.replace(unavailable) : held.fail(error));
      let value: MaybePromise<string | null>;
      try {
        value = saveAtOnce(storage, current);
      } catch (error) {
        return unsaved(error);
      }
      if (value instanceof Promise) value.then(saved, unsaved);
      else saved(value);
    },
    (error) => toNext(res, next, error),
  );
  try {
    const result = runWithSession(RequestSession.of(current), () => next(), options) as unknown;
    if (result && typeof (result as Promise<unknown>).then === "function") {
      (result as Promise<unknown>).then(undefined, (error) => {
        handlerFailed = true;
        answerError(res, error);
      });
    }
  } catch (error) {
    handlerFailed = true;
    answerError(res, error);
  }
}

/** Adds the session's header to the response, with `Cache-Control: no-store` and `Vary`. */
function addSessionHeaders(res: ServerResponse, storage: SessionStorage<any, any>, value: string, headArgs: unknown[] | undefined): void {
  const { transport } = storage;
  if (transport.kind === "cookie") {
    if (!headArgs || !addToWriteHeadHeaders(headArgs, "Set-Cookie", value)) res.appendHeader("Set-Cookie", value);
  } else {
    res.setHeader(transport.responseHeader, value);
  }
  if (!res.hasHeader("cache-control") && !(headArgs && writeHeadHas(headArgs, "cache-control"))) res.setHeader("Cache-Control", "no-store");
  const varyOn = transport.kind === "cookie" ? "Cookie" : transport.responseHeader;
  if (!varies(String(res.getHeader("vary") ?? ""), varyOn)) res.appendHeader("Vary", varyOn);
}

/** The request's headers as Fetch `Headers` (header mode reads its token from them). */
function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return headers;
}

/** The store failed while saving: the handler's response is dropped for a 503, never sent without its session. */
function unavailable(res: ServerResponse): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "5", "Cache-Control": "no-store" });
  res.end("Service Unavailable: the session store cannot be reached\n");
}

/** Whether the response can still be answered: frameworks ask the same to choose between an error page and closing. */
function answerable(res: ServerResponse): boolean {
  return !res.headersSent && !res.writableEnded && !res.destroyed;
}

/**
 * An error of the session's own work (reading, saving, a held call replayed):
 * the framework's error handler when `next` takes an error and nothing was sent
 * yet (Express and Connect pass such a `next`), else `answerError`.
 */
function toNext(res: ServerResponse, next: Next, error: unknown): void {
  if (next.length > 0 && answerable(res)) {
    try {
      next(error);
      return;
    } catch (thrown) {
      error = thrown;
    }
  }
  answerError(res, error);
}

/** Answers 500 (503 when the store failed) while nothing was sent; after that, closing the connection is the one way left to tell the client. */
function answerError(res: ServerResponse, error: unknown): void {
  console.error(error);
  try {
    if (!answerable(res)) return void res.destroy();
    if (error instanceof SessionStoreError) return unavailable(res);
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
    res.end("Internal Server Error\n");
  } catch {
    res.destroy();
  }
}
