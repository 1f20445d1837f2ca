/**
 * SECURITY F2: a `Secure` session cookie is never sent in answer to a plain-http
 * request, because the browser would drop it (or worse, the app would run with
 * a cookie that leaks over http). Behind a TLS-terminating proxy, set
 * `trustProxy: true` so that `X-Forwarded-Proto: https` counts; without it the
 * header is ignored, since any client can send it.
 */
export interface TransportOptions {
  /** Honour `X-Forwarded-Proto` (set only behind a proxy you control). Default false. */
  trustProxy?: boolean;
}

let warned = false;

export function isHttps(direct: boolean, forwardedProto: string | null | undefined, options: TransportOptions): boolean {
  if (direct) return true;
  if (!options.trustProxy || !forwardedProto) return false;
  // The first value is the one the client-facing proxy saw (RFC 7239 order).
  return forwardedProto.split(",")[0]!.trim().toLowerCase() === "https";
}

/** Warns once that a Secure cookie was held back over plain http. */
export function warnInsecure(): void {
  if (warned) return;
  warned = true;
  console.warn(
    "tessera: a Secure session cookie was not sent over plain http. For local development set cookie: { secure: false }; " +
      "behind a TLS proxy pass { trustProxy: true } so X-Forwarded-Proto is honoured.",
  );
}
