import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import fastifyPlugin from "fastify-plugin";
import { immediateOf } from "../engine/immediate.js";
import type { SessionStorage } from "../engine/storage.js";
import { SessionStoreError } from "../errors.js";
import type { Session } from "../session/session.js";
import type { MaybePromise } from "../util/maybe-promise.js";
import { commitHeaders, storeUnavailable, type ResponseHeader } from "./commit-policy.js";
import { RequestSession, runWithSession, type IntegrationOptions } from "./context.js";
import { applyHeaders, responseSoFar, type HeaderTarget } from "./header-target.js";
import { nodeRequestOrigin } from "./node-origin.js";
import { settle } from "./settle.js";

/**
 * Where an app names its storage, so that `request.session` carries that
 * storage's data and flash types (one storage type per program: Fastify's
 * request type is one for the whole app):
 *
 * ```ts
 * declare module "tessera-session/fastify" {
 *   interface Register { storage: typeof storage }
 * }
 * ```
 */
export interface Register {}

/** The storage `Register` names; an untyped one (any key, `unknown` values) until it names one. */
export type RegisteredStorage = Register extends { storage: SessionStorage<infer Data, infer FlashData> } ? SessionStorage<Data, FlashData> : SessionStorage;

/** The session of the registered storage: the type of `request.session`. */
export type RegisteredSession = RegisteredStorage extends SessionStorage<infer Data, infer FlashData> ? Session<Data, FlashData> : never;

/** The options of the Fastify plugin: the storage (of the type `Register` names), and how requests are trusted and found. */
export interface FastifySessionOptions extends IntegrationOptions {
  storage: RegisteredStorage;
}

declare module "fastify" {
  interface FastifyRequest {
    /**
     * The request's tessera session, in the routes of the scope that registered
     * `session` and of its child scopes (elsewhere it is undefined).
     */
    session: RegisteredSession;
  }
}

type AnySession = Session<any, any>;

/** Requests whose handling threw (or sent an error): their session is never saved, whatever status the error handler chose. */
const failed = new WeakSet<FastifyRequest>();

/** The reply's headers as the commit writes them, and the payload to send after. Fastify's `reply.header` adds a `Set-Cookie` line to those already set. */
function replyHeaders(reply: FastifyReply, payload: unknown): HeaderTarget & { payload: () => unknown } {
  // A web `Response` sent as the payload brings its status and headers, which Fastify applies after the onSend
  // hooks, over the reply's: a header merged into the reply (its `Vary`) must not be overwritten by the Response's own.
  const own = payload instanceof Response ? payload.headers : undefined;
  const merged = new Set<string>();
  return {
    get: (name) => own?.get(name) ?? reply.getHeader(name),
    set: (name, value) => {
      if (own?.has(name)) merged.add(name);
      reply.header(name, value);
    },
    addCookie: (value) => void reply.header("set-cookie", value),
    payload: () => (merged.size === 0 ? payload : withoutHeaders(payload as Response, merged)),
  };
}

/** A copy of `response` (its body handed over, not read) without the headers `names`: a `fetch()` Response's own are immutable. */
function withoutHeaders(response: Response, names: ReadonlySet<string>): Response {
  const headers = new Headers(response.headers);
  for (const name of names) headers.delete(name);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** The store failed: the 503 that never hands out a fresh session over the user's cookie. */
function unavailable(reply: FastifyReply, error: SessionStoreError): FastifyReply {
  reply.log.error({ err: error }, "tessera: the session store failed; answered 503");
  return reply.code(storeUnavailable.status).headers(storeUnavailable.headers);
}

/** The same 503 in place of a response already made: its headers and payload are dropped (a stream closed, a `Response`'s body cancelled). */
function unavailableInstead(reply: FastifyReply, payload: unknown, error: SessionStoreError): string {
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  const stream = payload as { destroy?: () => void } | null;
  if (typeof stream?.destroy === "function") stream.destroy();
  else if (payload instanceof Response) payload.body?.cancel().catch(() => {});
  unavailable(reply, error);
  return storeUnavailable.body;
}

// Async, so that a throw (a decoration that clashes) fails `register` and `ready()` instead of the process.
async function tesseraSession(instance: FastifyInstance, options: FastifySessionOptions): Promise<void> {
  const storage: SessionStorage<any, any> = options.storage;
  const reader = immediateOf(storage);
  // Fastify 5 wants reference-type decorations to start as null and be set per request.
  instance.decorateRequest("session", null, []);

  instance.addHook("onRequest", (request, reply, next) => {
    settle(
      () => {
        const token = request.headers[storage.transport.requestHeader];
        return reader.read(typeof token === "string" ? token : null);
      },
      (current: AnySession) => {
        request.session = current;
        runWithSession(RequestSession.of(current), next, options);
      },
      // Answering from a hook without calling `next` ends the request there (Fastify's own way).
      (error) => (error instanceof SessionStoreError ? void unavailable(reply, error).send(storeUnavailable.body) : next(error as Error)),
    );
  });

  instance.addHook("onError", (request, _reply, _error, next) => {
    failed.add(request);
    next();
  });

  // onSend runs before the head is written, once the payload is serialized, for every reply (errors and 404s too).
  instance.addHook("onSend", (request, reply, payload, next) => {
    const current = request.session as AnySession | null;
    if (current === null || failed.has(request)) return next();
    const target = replyHeaders(reply, payload);
    const status = payload instanceof Response ? payload.status : reply.statusCode;
    const withSaved = (headers: ResponseHeader[] | null) => {
      if (headers) applyHeaders(target, headers);
      return target.payload();
    };
    const instead = (error: unknown) => {
      if (error instanceof SessionStoreError) return unavailableInstead(reply, payload, error);
      throw error;
    };
    let saved: MaybePromise<ResponseHeader[] | null>;
    try {
      saved = commitHeaders(storage, current, responseSoFar(status, target), () => nodeRequestOrigin(request.raw), options);
    } catch (error) {
      return next(null, instead(error));
    }
    // A save that settles later goes back as a promise of the payload, Fastify's async form: Fastify then
    // catches what writing the head throws (a header value Node refuses) and answers 500. Calling `next`
    // from the promise's callback would leave that throw to no one: an unhandled rejection ends the process.
    if (saved instanceof Promise) return saved.then(withSaved, instead);
    next(null, withSaved(saved));
  });
}

/**
 * The Fastify plugin: `app.register(session, { storage })`, then
 * `request.session` in every route of that scope and its child scopes (it is
 * made with fastify-plugin, so it does not open a scope of its own; its
 * parent and sibling scopes are untouched). The session is read in an
 * `onRequest` hook and saved in `onSend`, before the head goes out. Nothing is
 * saved when the handling threw or sent an error (so every 500 of Fastify's
 * error handler), or the reply is a 5xx; a failing store answers 503 and the
 * client's cookie stays as it was.
 *
 * ```ts
 * const app = Fastify();
 * await app.register(session, { storage });
 * app.get("/", async (request) => {
 *   request.session.set("count", (request.session.get("count") ?? 0) + 1);
 *   return { count: request.session.get("count") };
 * });
 * ```
 */
export const session: FastifyPluginAsync<FastifySessionOptions> = fastifyPlugin(tesseraSession, { fastify: "5.x", name: "tessera-session" });
