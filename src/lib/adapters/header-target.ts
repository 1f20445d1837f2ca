import type { ResponseHeader, ResponseSoFar } from "./commit-policy.js";

/**
 * A framework's response headers before they are sent (Fastify's reply, Koa's
 * ctx), as the commit reads and writes them.
 */
export interface HeaderTarget {
  /** The header's value as the framework holds it (a string, a number, a list of lines), if set. */
  get(name: string): unknown;
  set(name: string, value: string): void;
  /** One more `Set-Cookie` line, beside those the app set. */
  addCookie(value: string): void;
}

/** A header value as text: the lines of a list joined as one field, "" and unset as undefined. */
function asText(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length ? value.join(", ") : undefined;
  return value === undefined || value === null || value === "" ? undefined : String(value);
}

/** The response so far, as the commit policy reads it. */
export function responseSoFar(status: number, target: HeaderTarget): ResponseSoFar {
  return { status, header: (name) => asText(target.get(name)) };
}

/**
 * Puts the commit's headers on the response: `Set-Cookie` as a line of its
 * own, any other appended header (`Vary`) joined to the field the app set.
 */
export function applyHeaders(target: HeaderTarget, headers: ResponseHeader[]): void {
  for (const { name, value, append } of headers) {
    if (!append) target.set(name, value);
    else if (name.toLowerCase() === "set-cookie") target.addCookie(value);
    else {
      const had = asText(target.get(name));
      target.set(name, had === undefined ? value : `${had}, ${value}`);
    }
  }
}
