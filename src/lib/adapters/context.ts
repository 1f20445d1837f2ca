import type { Session, SessionData } from "../session/session.js";
import type { TransportOptions } from "./secure-origin.js";
import { builtinModule } from "../util/builtin.js";

/** Options of `withSession`, the Hono `session` and the node `session` middleware. */
export interface IntegrationOptions extends TransportOptions {
  /**
   * Make the session reachable through `currentSession()`. Default true. It
   * runs each request in an AsyncLocalStorage, whose hooks on Node 20 and 22
   * then run for every promise and I/O object of every request (about a tenth
   * of a minimal `tessera/node` request's CPU, measured): pass false when
   * nothing calls `currentSession()`.
   */
  currentSession?: boolean | undefined;
}

interface AsyncLocalStorageLike<T> {
  run<R>(store: T, fn: () => R): R;
  getStore(): T | undefined;
}

/**
 * One request's session, read on first use: a handler that never asks for it
 * costs no cookie check and no store call.
 */
export class RequestSession<Data = SessionData, FlashData = Data> {
  private pending: Promise<Session<Data, FlashData>> | undefined;
  /** The session, once read. */
  session: Session<Data, FlashData> | undefined;

  constructor(private readonly load: () => Promise<Session<Data, FlashData>>) {}

  /** A request session already read. */
  static of<Data, FlashData>(session: Session<Data, FlashData>): RequestSession<Data, FlashData> {
    const request = new RequestSession<Data, FlashData>(() => Promise.resolve(session));
    request.session = session;
    return request;
  }

  get(): Promise<Session<Data, FlashData>> {
    return (this.pending ??= this.load().then((s) => (this.session = s)));
  }
}

/**
 * AsyncLocalStorage where the runtime has it (Node, Bun, Deno, Workers with
 * nodejs_compat), found at run time so the core imports nothing from `node:`.
 */
function createContext(): AsyncLocalStorageLike<RequestSession<any, any>> | undefined {
  type Ctor = new () => AsyncLocalStorageLike<RequestSession<any, any>>;
  const Ctor =
    (globalThis as { AsyncLocalStorage?: Ctor }).AsyncLocalStorage ?? builtinModule<{ AsyncLocalStorage?: Ctor }>("node:async_hooks")?.AsyncLocalStorage;
  return Ctor ? new Ctor() : undefined;
}

const context = createContext();

/** Runs `fn` with `request` as the current request session, unless the options turn that off. */
export function runWithSession<R>(request: RequestSession<any, any>, fn: () => R, options: IntegrationOptions): R {
  return context && options.currentSession !== false ? context.run(request, fn) : fn();
}

/** The request session `runWithSession` is running, if any (and if the runtime has AsyncLocalStorage). */
export function requestSessionInContext(): RequestSession<any, any> | undefined {
  return context?.getStore();
}

/**
 * The current request's session, from anywhere below `withSession()` or the
 * `session()` middleware, without passing it along (Summer's static `Session`).
 *
 * ```ts
 * async function addToCart(sku: string) {
 *   const session = await currentSession();
 *   session.set("cart", [...((session.get("cart") as string[]) ?? []), sku]);
 * }
 * ```
 */
export function currentSession<Data = SessionData, FlashData = Data>(): Promise<Session<Data, FlashData>> {
  const request = context?.getStore();
  if (!request) {
    return Promise.reject(
      new Error(
        context
          ? "currentSession() was called outside a request: call it inside a handler wrapped by withSession() or the session() middleware " +
            "(made without { currentSession: false })"
          : "currentSession() needs AsyncLocalStorage, which this runtime lacks: read the session from the request instead",
      ),
    );
  }
  return request.get() as Promise<Session<Data, FlashData>>;
}
