import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { TLSSocket } from "node:tls";
import { SessionStoreError } from "../errors.js";
import type { Session, SessionData } from "../session/session.js";
import type { MaybePromise } from "../util/maybe-promise.js";
import { immediateOf } from "../engine/immediate.js";
import type { SessionStorage } from "../engine/storage.js";
import { commitHeaders, storeUnavailable, type ResponseHeader } from "./commit-policy.js";
import { holdResponse } from "./node-hold.js";
import { RequestSession, runWithSession, type IntegrationOptions } from "./context.js";
import { hostOf } from "./node-origin.js";
import type { RequestOrigin } from "./secure-origin.js";

export type SessionRequest<Data = SessionData, FlashData = Data> = IncomingMessage & { session: Session<Data, FlashData> };

type Next = (error?: unknown) => unknown;

/**
 * Moves the headers of a deferred `writeHead(status, [name, value, …])` onto
 * the response before tessera adds its own, as Node 22 applies such an array:
 * each name it gives replaces what `setHeader` set under it, and its values
 * are all kept (Node 20 applied it with `setHeader`, so each `Set-Cookie` of
 * it replaced the one before).
 */
function spreadHeaderArray(res: ServerResponse, args: unknown[]): void {
  const at = args.findIndex((a) => Array.isArray(a));
  if (at < 0) return;
  const pairs = pairsOf(args[at] as unknown[]);
  for (const name of new Set(pairs.map(([name]) => name.toLowerCase()))) res.removeHeader(name);
  for (const [name, value] of pairs) res.appendHeader(name, value as string);
  args.splice(at, 1);
}

/** The `[name, value]` pairs of a `writeHead` array, which Node takes flat (`[name, value, …]`) or as pairs (`[[name, value], …]`). */
function pairsOf(array: unknown[]): Array<[string, unknown]> {
  const pairs: Array<[string, unknown]> = [];
  if (Array.isArray(array[0])) {
    for (const pair of array as unknown[][]) if (pair[0]) pairs.push([String(pair[0]), pair[1]]);
  } else {
    for (let i = 0; i + 1 < array.length; i += 2) if (array[i]) pairs.push([String(array[i]), array[i + 1]]);
  }
  return pairs;
}

/** Adds `value` to header `name` of a deferred `writeHead(status, headers)`, when that object names it (else it would replace ours). */
function addToWriteHeadHeaders(args: unknown[], name: string, value: string): boolean {
  const at = args.findIndex((a) => typeof a === "object" && a !== null);
  if (at < 0) return false;
  const headers = args[at] as OutgoingHttpHeaders;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return false;
  const current = headers[key];
  // A copy, never the caller's own: an app may pass one headers object to every
  // response, and one client's session cookie must never reach another client.
  args[at] = { ...headers, [key]: Array.isArray(current) ? [...current, value] : current === undefined ? value : [String(current), value] };
  return true;
}

/** The value of header `name` among a deferred `writeHead(status, headers)`'s own, if it names it. */
function writeHeadValue(args: unknown[], name: string): string | undefined {
  const headers = args.find((a) => typeof a === "object" && a !== null) as OutgoingHttpHeaders | unknown[] | undefined;
  if (!headers) return undefined;
  if (Array.isArray(headers)) {
    const pair = pairsOf(headers).find(([given]) => given.toLowerCase() === name);
    return pair && String(pair[1]);
  }
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined || headers[key] === undefined ? undefined : String(headers[key]);
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
      const token = req.headers[storage.transport.requestHeader];
      current = immediateOf(storage).read(typeof token === "string" ? token : null);
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
      if (handlerFailed) return held.send();
      const saved = (headers: ResponseHeader[] | null) => {
        try {
          if (headers !== null) addSessionHeaders(res, headers, held.headArgs);
        } catch (error) {
          return held.fail(error);
        }
        held.send();
      };
      const unsaved = (error: unknown) => (error instanceof SessionStoreError ? held.replace(unavailable) : held.fail(error));
      let value: MaybePromise<ResponseHeader[] | null>;
      try {
        value = commitHeaders(storage, current, nodeResponse(res, held.status, held.headArgs), () => originOf(req), options);
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

/** How a request reached the server: over TLS, or as `X-Forwarded-Proto` says. */
function originOf(req: IncomingMessage): RequestOrigin {
  const forwarded = req.headers["x-forwarded-proto"];
  return { https: req.socket instanceof TLSSocket, forwardedProto: Array.isArray(forwarded) ? forwarded[0] : forwarded, host: hostOf(req) };
}

/** The response so far, as the commit policy reads it: a header set on it, or passed to a held `writeHead`. */
function nodeResponse(res: ServerResponse, status: number, headArgs: unknown[] | undefined) {
  return {
    status,
    header(name: string): string | undefined {
      const given = headArgs && writeHeadValue(headArgs, name);
      if (given !== undefined) return given;
      const value = res.getHeader(name);
      return value === undefined ? undefined : String(value);
    },
  };
}

/** Puts the session's headers on the response (an appended one, `Set-Cookie` or `Vary`, into a held `writeHead`'s own headers when they name it). */
function addSessionHeaders(res: ServerResponse, headers: ResponseHeader[], headArgs: unknown[] | undefined): void {
  if (headArgs) spreadHeaderArray(res, headArgs);
  for (const { name, value, append } of headers) {
    if (!append) res.setHeader(name, value);
    else if (!(headArgs && addToWriteHeadHeaders(headArgs, name, value))) res.appendHeader(name, value);
  }
}

/** The store failed while saving: the handler's response is dropped for a 503, never sent without its session. */
function unavailable(res: ServerResponse): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.writeHead(storeUnavailable.status, storeUnavailable.headers);
  res.end(storeUnavailable.body);
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
