import type { IncomingMessage } from "node:http";
import type { RequestOrigin } from "./secure-origin.js";

/**
 * How a request a framework on node:http was given (Fastify's `request.raw`,
 * Koa's `ctx.req`) reached the server: its socket's TLS, its
 * `X-Forwarded-Proto` (counted only with `trustProxy`), its Host header.
 */
export function nodeRequestOrigin(req: IncomingMessage): RequestOrigin {
  const proto = req.headers["x-forwarded-proto"];
  const encrypted = (req.socket as { encrypted?: boolean } | null)?.encrypted === true;
  return { https: encrypted, forwardedProto: typeof proto === "string" ? proto : proto?.[0], host: hostOf(req) };
}

/** The host a request was sent to: its Host header, or over HTTP/2 (which has none) its `:authority`. */
export function hostOf(req: IncomingMessage): string | undefined {
  const authority = req.headers[":authority"];
  return req.headers.host ?? (typeof authority === "string" ? authority : undefined);
}
