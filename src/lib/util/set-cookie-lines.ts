// The one value `save`, `commitSession` and `destroySession` return, when a
// response needs several `Set-Cookie` lines (a chunked cookie session, see
// src/lib/token/chunks.ts): the lines joined by LF. LF can never appear inside
// a header value, so code that hands the whole value to a header API gets a
// loud error instead of a cookie the browser silently mangles.

/** The lines as one value. */
export function joinSetCookies(lines: string[]): string {
  return lines.join("\n");
}

/**
 * The `Set-Cookie` lines of what `save`, `commitSession` or `destroySession`
 * returned, each to be sent as a header of its own; none for null (nothing to send).
 *
 * ```ts
 * for (const line of setCookieLines(await storage.save(session))) headers.append("Set-Cookie", line);
 * ```
 */
export function setCookieLines(value: string | null | undefined): string[] {
  return value ? value.split("\n") : [];
}
