import { storeUnavailable, type ResponseHeader } from "./commit-policy.js";
import type { RequestOrigin } from "./secure-origin.js";

/** How a Fetch request reached the server. */
export function originOf(request: Request): RequestOrigin {
  const url = new URL(request.url);
  return { https: url.protocol === "https:", forwardedProto: request.headers.get("x-forwarded-proto"), host: url.hostname };
}

/** `headers` on `response`, whose headers may be immutable (Response.redirect, fetch): on a copy then. */
export function withHeaders(response: Response, headers: ResponseHeader[]): Response {
  const apply = (target: Headers) => {
    for (const h of headers) {
      if (h.append) target.append(h.name, h.value);
      else target.set(h.name, h.value);
    }
  };
  try {
    apply(response.headers);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const copy = new Response(response.body, response);
    apply(copy.headers);
    return copy;
  }
}

/** The 503 a Fetch integration answers when the session store is down. */
export function unavailableResponse(): Response {
  return new Response(storeUnavailable.body, { status: storeUnavailable.status, headers: storeUnavailable.headers });
}

/** A Fetch response as the commit policy reads it. */
export function fetchResponse(response: Response): { status: number; header(name: string): string | null } {
  return { status: response.status, header: (name) => response.headers.get(name) };
}
