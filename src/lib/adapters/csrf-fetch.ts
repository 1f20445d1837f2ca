import { checkCsrf, type CsrfOptions, type CsrfResult } from "../csrf/check.js";
import type { SessionStorage } from "../engine/storage.js";
import type { Session } from "../session/session.js";

/** The headers of every integration's 403 for a refused request: the reason in plain words, never cached. */
export const FORBIDDEN_HEADERS = { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } as const;

/** The 403 of a refused request, as a Fetch response. */
export function forbiddenResponse(result: Extract<CsrfResult, { ok: false }>): Response {
  return new Response(`${result.message}\n`, { status: 403, headers: FORBIDDEN_HEADERS });
}

const FORMS = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/** A Fetch request's form, read from a copy (the handler still reads the body), when it is one. */
async function formOf(request: Request): Promise<FormData | undefined> {
  if (!FORMS.test(request.headers.get("content-type") ?? "")) return undefined;
  try {
    return await request.clone().formData();
  } catch {
    return undefined;
  }
}

/** Whether the storage's sessions ride in a cookie, which a browser attaches by itself (and so can be forged across sites). */
export function isAmbient(storage: SessionStorage<any, any>): boolean {
  return storage.transport.requestHeader === "cookie";
}

/**
 * The CSRF check (`checkCsrf`) of a Fetch `request` for `session`: null when it
 * may go on, else the 403 to answer with. The token is read from the header,
 * else from the form field of a form body (read from a copy of the request).
 *
 * ```ts
 * const refused = await verifyCsrf(request, await getSession(request));
 * if (refused) return refused;
 * ```
 */
export async function verifyCsrf(request: Request, session: Session<any, any>, options: CsrfOptions = {}): Promise<Response | null> {
  const header = (name: string) => request.headers.get(name);
  const method = request.method;
  const host = new URL(request.url).host;
  // A form is read only when the header carries no token and the method is unsafe.
  const quick = checkCsrf(session, { method, host, header }, options);
  if (quick.ok) return null;
  if (quick.reason !== "missing-token") return forbiddenResponse(quick);
  const form = await formOf(request);
  const field = (name: string) => {
    const value = form?.get(name);
    return typeof value === "string" ? value : null;
  };
  const result = checkCsrf(session, { method, host, header, field }, options);
  return result.ok ? null : forbiddenResponse(result);
}
