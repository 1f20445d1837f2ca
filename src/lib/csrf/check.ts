// The check of an unsafe request against cross-site request forgery, in three
// layers: Fetch Metadata (`Sec-Fetch-Site`, sent by every current browser), the
// `Origin` header, and the session-bound token (token.ts).
import type { Session } from "../session/session.js";
import { verifyCsrfToken } from "./token.js";

/** Options of the CSRF check, in every integration. */
export interface CsrfOptions {
  /** The request header that may carry the token (for `fetch` callers). Default `x-csrf-token`. */
  header?: string | undefined;
  /** The form field that may carry the token. Default `_csrf`. */
  field?: string | undefined;
  /**
   * Other origins whose pages may post here (`https://admin.example`), exactly as
   * browsers send `Origin`: accepted whatever `Sec-Fetch-Site` says (the token is
   * still needed). Default none.
   */
  trustedOrigins?: readonly string[] | undefined;
  /** Accept `Sec-Fetch-Site: same-site` (a sibling subdomain's page). Default false: same origin only. */
  allowSameSite?: boolean | undefined;
}

/** What the check needs of a request. */
export interface CsrfRequest {
  method: string;
  /** The host the request was sent to (its URL's host, or the Host header), port included. */
  host: string | null | undefined;
  header(name: string): string | null | undefined;
  /** The form field's value, when the integration has the form at hand. */
  field?: ((name: string) => string | null | undefined) | undefined;
}

/** Why a request was refused. */
export type CsrfFailure = "cross-site" | "origin" | "missing-token" | "invalid-token";

/** The outcome: `ok`, or the reason and a message for the 403. */
export type CsrfResult = { ok: true } | { ok: false; reason: CsrfFailure; message: string };

const SAFE = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

const MESSAGES: Record<CsrfFailure, string> = {
  "cross-site": "this request came from another site's page",
  origin: "this request's Origin is not this site",
  "missing-token": "this request carries no CSRF token",
  "invalid-token": "this request's CSRF token is not this session's",
};

function refuse(reason: CsrfFailure): CsrfResult {
  return { ok: false, reason, message: `Forbidden: ${MESSAGES[reason]}` };
}

/**
 * Whether `request` may act for `session`. Safe methods always may. An unsafe
 * one (POST, PUT, PATCH, DELETE, …) is refused when the browser says it came
 * from another site (`Sec-Fetch-Site`), when its `Origin` is neither this host
 * nor trusted, and unless it carries a token of `csrfToken(session)` in the
 * header or the form field. Sessions carried in a header, not a cookie, are
 * not checked by the integrations: a browser never sends those on its own.
 */
export function checkCsrf(session: Session<any, any>, request: CsrfRequest, options: CsrfOptions = {}): CsrfResult {
  if (SAFE.has(request.method.toUpperCase())) return { ok: true };
  const site = request.header("sec-fetch-site");
  const origin = request.header("origin");
  const list = checkCsrfOptions(options).trustedOrigins;
  // A page of a trusted origin is another site to the browser: its word is what trustedOrigins overrules.
  const trusted = !!origin && list?.includes(origin) === true;
  const sameSite = site === "same-site" && options.allowSameSite === true;
  if (!trusted && (site === "cross-site" || (site === "same-site" && !sameSite))) return refuse("cross-site");
  // Sec-Fetch-Site is the browser's own word (a page cannot set it): same-origin also when the page's
  // Referrer-Policy (no-referrer) makes its Origin "null", or a proxy rewrote Host; same-site, when
  // allowed, for a sibling subdomain's page, whose Origin is another host.
  if (origin && !trusted && site !== "same-origin" && !sameSite && hostOf(origin) !== request.host?.toLowerCase()) return refuse("origin");
  const token = request.header((options.header ?? "x-csrf-token").toLowerCase()) || request.field?.(options.field ?? "_csrf");
  if (!token) return refuse("missing-token");
  return verifyCsrfToken(session, token) ? { ok: true } : refuse("invalid-token");
}

/** `options`, once they are sound: `trustedOrigins` anything but an array (a string would match by substring) is a TypeError. */
export function checkCsrfOptions(options: CsrfOptions): CsrfOptions {
  const list = options.trustedOrigins;
  if (list !== undefined && !Array.isArray(list)) {
    throw new TypeError(`option trustedOrigins must be an array of origins, such as ["https://admin.example"]; got a ${typeof list}`);
  }
  return options;
}

/** The host (with its port) of an `Origin` value, or undefined for `null` and anything malformed. */
function hostOf(origin: string): string | undefined {
  if (!/^https?:\/\//i.test(origin)) return undefined;
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
