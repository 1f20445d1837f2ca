/**
 * The status of the response Next makes for one of its control-flow throws
 * (`redirect()`, `permanentRedirect()`, `notFound()`, `forbidden()`,
 * `unauthorized()`), or undefined for a real error. Next tells them apart by the
 * error's `digest`, as this does: they end a handler as an answer, not as a
 * failure, so the session is saved with them.
 */
export function controlFlowStatus(error: unknown): number | undefined {
  const digest = (error as { digest?: unknown } | null)?.digest;
  if (typeof digest !== "string") return undefined;
  const parts = digest.split(";");
  // `NEXT_REDIRECT;<type>;<url>;<status>;`: the url may hold ";".
  if (parts[0] === "NEXT_REDIRECT") return Number(parts.at(-2)) || 307;
  // Next 15.1 on: `NEXT_HTTP_ERROR_FALLBACK;<status>`; 15.0: `NEXT_NOT_FOUND`.
  if (parts[0] === "NEXT_HTTP_ERROR_FALLBACK") return Number(parts[1]) || 404;
  if (digest === "NEXT_NOT_FOUND") return 404;
  return undefined;
}
