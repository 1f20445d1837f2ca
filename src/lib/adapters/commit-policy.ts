import { immediateOf } from "../engine/immediate.js";
import type { SessionStorage } from "../engine/storage.js";
import type { Session } from "../session/session.js";
import { chain, type MaybePromise } from "../util/maybe-promise.js";
import { setCookieLines } from "../util/set-cookie-lines.js";
import { mayCarrySecureCookie, warnInsecure, type RequestOrigin, type TransportOptions } from "./secure-origin.js";
import { varies } from "./vary.js";

/** A header for the response: appended to those it has, or set. */
export interface ResponseHeader {
  name: string;
  value: string;
  append: boolean;
}

/** What the commit needs to know of the response so far. */
export interface ResponseSoFar {
  status: number;
  /** The value of a response header the app set, if any. */
  header(name: string): string | null | undefined;
}

/**
 * The one commit policy of every integration: what a response gets for its
 * session, or null when it gets nothing.
 * - A 5xx, a network error (`Response.error()`), or a handler that threw (which
 *   the integration never commits) saves nothing: a failed request must not
 *   half-apply (docs/security.md, K3).
 * - A `Secure` cookie is never sent in answer to a plain-http request that
 *   cannot keep it, and nothing is saved either (F2).
 * - The token's header comes with `Cache-Control: no-store` unless the app chose
 *   its own, and `Vary` on the request header that carries the token (E4).
 * A failing store throws (or rejects with) `SessionStoreError`: the integration answers 503.
 */
export function commitHeaders<Data, FlashData>(
  storage: SessionStorage<Data, FlashData>,
  session: Session<Data, FlashData>,
  response: ResponseSoFar,
  origin: () => RequestOrigin,
  options: TransportOptions,
): MaybePromise<ResponseHeader[] | null> {
  // A 5xx, or a network error (`Response.error()`, status 0): the request failed.
  if (response.status >= 500 || response.status < 100) return null;
  const { transport } = storage;
  if (transport.needsSecureOrigin && !mayCarrySecureCookie(origin(), options)) {
    // A session the client can never send back is waste.
    if (session.dirty) warnInsecure();
    return null;
  }
  return chain(immediateOf(storage).save(session), (value) => {
    if (value === null) return null;
    const { name, value: line, append, vary } = transport.header(value);
    // A chunked session's several `Set-Cookie` lines are a header each.
    const headers: ResponseHeader[] = line.includes("\n") ? setCookieLines(line).map((one) => ({ name, value: one, append })) : [{ name, value: line, append }];
    return headers.concat(tokenCacheHeaders(response, vary));
  });
}

/**
 * What a response that carries a session token gets beside it: `Cache-Control:
 * no-store` unless the app chose its own, and `Vary` on the request header that
 * carries the token (`vary`), unless it varies on it already (E4).
 */
export function tokenCacheHeaders(response: ResponseSoFar, vary: string): ResponseHeader[] {
  const headers: ResponseHeader[] = [];
  if (!response.header("cache-control")) headers.push({ name: "Cache-Control", value: "no-store", append: false });
  if (!varies(response.header("vary"), vary)) headers.push({ name: "Vary", value: vary, append: true });
  return headers;
}

/** The answer when the session store is down: never an anonymous session that would overwrite the user's cookie. */
export const storeUnavailable = {
  status: 503,
  headers: { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "5", "Cache-Control": "no-store" },
  body: "Service Unavailable: the session store cannot be reached\n",
} as const;
