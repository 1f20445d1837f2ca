// Step-up ("sudo mode"): whether a sensitive action needs the user to prove who
// they are again, from the record `session.markAuthenticated()` keeps.
import { stateOf, type Session } from "./session.js";

/** Options of `requireRecentAuth`. */
export interface RecentAuthOptions {
  /** Seconds a proof stays recent enough for the action (300: five minutes). */
  maxAge: number;
  /** Only proofs by one of these methods count (`["webauthn"]`). Default: any method. */
  methods?: readonly string[] | undefined;
  /** The page that re-authenticates (`"/reauth"`): a result that requires it then carries the `location` to send the user to. */
  reauthenticate?: string | undefined;
  /** Where that page sends the user back to afterwards (the action's page), as its `return_to` parameter; kept only when it is a path on this site. */
  returnTo?: string | undefined;
}

/** What `requireRecentAuth` found. */
export interface RecentAuth {
  /** True: ask the user to re-authenticate before the action. */
  required: boolean;
  /** The latest proof that counts, if any (recent or not). */
  authenticatedAt: Date | undefined;
  /** With `reauthenticate`, when `required`: where to redirect (303) the user, `return_to` included. */
  location: string | undefined;
}

/**
 * Whether `session`'s user proved who they are within `maxAge` seconds (by one
 * of `methods`, if given), on the storage's clock. Sensitive actions (changing
 * a password, "sign out all other sessions") check it and, when `required`,
 * send the user to re-authenticate and back:
 *
 * ```ts
 * const check = requireRecentAuth(session, { maxAge: 300, reauthenticate: "/reauth", returnTo: "/sessions" });
 * if (check.required) return Response.redirect(new URL(check.location!, request.url), 303);
 * ```
 * The re-authentication page calls `session.markAuthenticated({ method })` and
 * redirects to `safeReturnTo(form.get("return_to"))`.
 */
export function requireRecentAuth(session: Session<any, any>, options: RecentAuthOptions): RecentAuth {
  const { maxAge, methods } = options;
  if (typeof maxAge !== "number" || !Number.isFinite(maxAge) || maxAge < 0) {
    throw new TypeError(`requireRecentAuth: maxAge is a number of seconds, got ${String(maxAge)}`);
  }
  const proofs = Object.entries(session.authentication?.methods ?? {}).filter(([method]) => !methods || methods.includes(method));
  const latest = proofs.length ? Math.max(...proofs.map(([, at]) => at.getTime())) : undefined;
  const required = session.destroyed || latest === undefined || stateOf(session).now() - latest > maxAge * 1000;
  return {
    required,
    authenticatedAt: latest === undefined ? undefined : new Date(latest),
    location: required && options.reauthenticate ? reauthenticationLocation(options.reauthenticate, options.returnTo) : undefined,
  };
}

function reauthenticationLocation(page: string, returnTo: string | undefined): string {
  const back = safeReturnTo(returnTo, "");
  if (!back) return page;
  return `${page}${page.includes("?") ? "&" : "?"}return_to=${encodeURIComponent(back)}`;
}

/**
 * `value` when it is a path on this site (`/sessions?tab=2`), else `fallback`:
 * a `return_to` from a form or a query can then never send the user to another
 * site (`//evil.example`, `/\evil.example`, `https://…`, `javascript:`).
 */
export function safeReturnTo(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length > 2048 || !value.startsWith("/")) return fallback;
  if (value.startsWith("//") || value.startsWith("/\\") || /[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  // Past ASCII, percent-encoded: a Location header (Headers, Node's setHeader) takes nothing else.
  let path: string;
  try {
    path = value.replace(/[^\x21-\x7e]+/g, encodeURIComponent);
  } catch {
    return fallback; // a lone surrogate
  }
  // `/..//evil.example` resolves to the path `//evil.example`, which a later redirect could read as a host.
  return new URL(path, "http://x").pathname.startsWith("//") ? fallback : path;
}
