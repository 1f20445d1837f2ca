import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { TLSSocket } from "node:tls";
import { SessionStoreError } from "../errors.js";
import type { Session, SessionData } from "../session.js";
import type { MaybePromise } from "../maybe-promise.js";
import { readAtOnce, saveAtOnce, type SessionStorage } from "../storage.js";
import { RequestSession, runWithSession, type IntegrationOptions } from "./context.js";
import { varies } from "./vary.js";
import { isHttps, warnInsecure } from "./transport-security.js";

export type SessionRequest<Data = SessionData, FlashData = Data> = IncomingMessage & { session: Session<Data, FlashData> };

type Next = (error?: unknown) => unknown;

/** Adds `value` to the `Set-Cookie` headers a deferred `writeHead(status, headers)` would send. */
function addToWriteHeadHeaders(args: unknown[], name: string, value: string): boolean {
  const headers = args.find((a) => typeof a === "object" && a !== null) as OutgoingHttpHeaders | unknown[] | undefined;
  if (!headers) return false;
  if (Array.isArray(headers)) {
    headers.push(name, value);
    return true;
  }
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return false;
  const current = headers[key];
  headers[key] = Array.isArray(current) ? [...current, value] : current === undefined ? value : [String(current), value];
  return true;
}

function writeHeadHas(args: unknown[], name: string): boolean {
  const headers = args.find((a) => typeof a === "object" && a !== null);
  if (!headers) return false;
  if (Array.isArray(headers)) return headers.some((h, i) => i % 2 === 0 && String(h).toLowerCase() === name);
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

type Outcome = "send" | "unavailable";

/**
 * Holds the response back until the session is saved: the first `writeHead`,
 * `write` or `end` calls `commit`, which calls `done` once the session is saved
 * (at once when there is nothing to save); then the held calls run in order.
 * This is how the cookie goes out before the headers do, on `res.redirect`, on
 * `res.end()` without a body, and on streamed responses alike.
 */
function holdUntilCommitted(
  res: ServerResponse,
  commit: (status: number, headArgs: unknown[] | undefined, done: (outcome: Outcome) => void, failed: (error: unknown) => void) => void,
): void {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  const queue: Array<() => void> = [];
  let headArgs: unknown[] | undefined;
  let started = false;
  const done = (outcome: Outcome) => {
    Object.assign(res, original);
    // The socket may have been uncorked while the session saved: cork it so the
    // held calls leave in one write (measured 1.5x throughput on a bare server).
    const socket = res.socket;
    socket?.cork();
    if (outcome === "send") for (const call of queue.splice(0)) call();
    else unavailable(res);
    if (socket) process.nextTick(() => socket.uncork());
  };
  const failed = (error: unknown) => {
    Object.assign(res, original);
    fail(res, error);
  };
  const start = () => {
    if (started) return;
    started = true;
    const status = typeof headArgs?.[0] === "number" ? (headArgs[0] as number) : res.statusCode;
    try {
      commit(status, headArgs, done, failed);
    } catch (error) {
      failed(error);
    }
  };
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    headArgs = args;
    queue.push(() => (original.writeHead as (...a: unknown[]) => void).apply(res, args));
    start();
    return res;
  } as typeof res.writeHead;
  res.write = function (...args: unknown[]) {
    queue.push(() => (original.write as (...a: unknown[]) => void).apply(res, args));
    start();
    return true;
  } as typeof res.write;
  res.end = function (...args: unknown[]) {
    queue.push(() => (original.end as (...a: unknown[]) => void).apply(res, args));
    start();
    return res;
  } as typeof res.end;
}

/**
 * Session middleware for `node:http`, Express 5 and Connect: `req.session`,
 * saved before the response's headers are written. Nothing is saved when the
 * response is a 5xx (a thrown error reaching Express's error handler, for one)
 * or when the handler throws; a store that fails is a 503 (`next(error)` with
 * `error.status = 503` while reading, a 503 response while saving).
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
      next(error);
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
  holdUntilCommitted(res, (status, headArgs, done, failed) => {
    if (handlerFailed || status >= 500) return done("send");
    const { transport } = storage;
    if (transport.kind === "cookie" && storage.cookie.attributes.secure) {
      const forwarded = req.headers["x-forwarded-proto"];
      if (!isHttps(req.socket instanceof TLSSocket, Array.isArray(forwarded) ? forwarded[0] : forwarded, options)) {
        if (current.dirty) warnInsecure();
        return done("send");
      }
    }
    const saved = (value: string | null) => {
      try {
        if (value !== null) addSessionHeaders(res, storage, value, headArgs);
      } catch (error) {
        return failed(error);
      }
      done("send");
    };
    const unsaved = (error: unknown) => (error instanceof SessionStoreError ? done("unavailable") : failed(error));
    let value: MaybePromise<string | null>;
    try {
      value = saveAtOnce(storage, current);
    } catch (error) {
      return unsaved(error);
    }
    if (value instanceof Promise) value.then(saved, unsaved);
    else saved(value);
  });
  try {
    const result = runWithSession(RequestSession.of(current), () => next(), options) as unknown;
    if (result && typeof (result as Promise<unknown>).then === "function") {
      (result as Promise<unknown>).then(undefined, (error) => {
        handlerFailed = true;
        fail(res, error);
      });
    }
  } catch (error) {
    handlerFailed = true;
    fail(res, error);
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

/** A handler below a bare node:http server threw: answer 500 if nothing went out yet. */
function fail(res: ServerResponse, error: unknown): void {
  console.error(error);
  if (res.headersSent || res.writableEnded) return;
  res.statusCode = 500;
  res.end("Internal Server Error\n");
}
