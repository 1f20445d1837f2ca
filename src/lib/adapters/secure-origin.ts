import { isProduction } from "../util/environment.js";

/**
 * docs/security.md, F2: a `Secure` session cookie is never sent in answer to a plain-http
 * request from elsewhere, because the browser would drop it (or worse, the app
 * would run with a cookie that leaks over http). Two exceptions:
 * - behind a TLS-terminating proxy, with `trustProxy: true`, `X-Forwarded-Proto:
 *   https` counts (without it the header is ignored: any client can send it);
 * - outside production, a request to a loopback host (`localhost`,
 *   `*.localhost`, `127.0.0.0/8`, `[::1]`): browsers treat `http://localhost` as
 *   a secure context and keep Secure (and `__Host-`) cookies from it, so the
 *   defaults work in development without `secure: false`. A forged Host header
 *   gains nothing: the cookie goes back to the very client that sent it.
 */
export interface TransportOptions {
  /** Honour `X-Forwarded-Proto` (set only behind a proxy you control). Default false. */
  trustProxy?: boolean | undefined;
}

/** What a request says about how it reached the server. */
export interface RequestOrigin {
  /** It arrived over TLS. */
  https: boolean;
  /** Its `X-Forwarded-Proto`, if any. */
  forwardedProto: string | null | undefined;
  /** The host it was sent to (the URL's hostname or the Host header), if known. */
  host: string | null | undefined;
}

let warned = false;

/** True when a request to `host` (a hostname, or a Host header with its port) is a loopback one. */
function isLoopback(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  const lower = name.toLowerCase();
  return lower === "localhost" || lower.endsWith(".localhost") || lower === "::1" || /^127(\.\d{1,3}){3}$/.test(lower);
}

/** Whether a Secure cookie may be sent in answer to this request. */
export function mayCarrySecureCookie(origin: RequestOrigin, options: TransportOptions): boolean {
  if (origin.https) return true;
  // The first value is the one the client-facing proxy saw (RFC 7239 order).
  if (options.trustProxy && origin.forwardedProto && origin.forwardedProto.split(",")[0]!.trim().toLowerCase() === "https") return true;
  return !isProduction() && !!origin.host && isLoopback(origin.host);
}

/** Warns once that a Secure cookie was held back over plain http. */
export function warnInsecure(): void {
  if (warned) return;
  warned = true;
  console.warn(
    "tessera: a Secure session cookie was not sent in answer to a plain-http request. Browsers keep Secure cookies from " +
      "http://localhost, and tessera sends them there outside production: develop on localhost, serve https, or, behind a " +
      "TLS proxy, pass { trustProxy: true } so X-Forwarded-Proto is honoured.",
  );
}
