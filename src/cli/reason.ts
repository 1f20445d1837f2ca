/**
 * Why a store failed, in the CLI's own fixed words. Driver messages are read
 * to classify but never printed: they echo host names, user names and
 * sometimes the connection URL with its password.
 */

const AUTH = "authentication failed (check the user name and password)";

/** System error codes and PostgreSQL SQLSTATE codes. */
const BY_CODE: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name not found",
  ETIMEDOUT: "timed out",
  ECONNRESET: "connection lost",
  EPIPE: "connection lost",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "host unreachable",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a path inside it is not a directory",
  ENOSPC: "no space left on the device",
  "28P01": AUTH,
  "28000": AUTH,
  "3D000": "the database does not exist",
  "42P01": "the table does not exist (check --table)",
  "42501": "permission denied",
  "57P03": "the server is starting up or shutting down",
};

/** Redis error replies and driver messages, by their fixed start. */
const BY_MESSAGE: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(WRONGPASS|NOAUTH)\b/, AUTH],
  [/^NOPERM\b/, "permission denied"],
  [/^LOADING\b/, "the server is loading its data"],
  [/time(d)? ?out|no answer within/i, "timed out"],
  [/socket closed|connection (terminated|closed|ended)/i, "connection lost"],
];

export function failureReason(error: unknown): string {
  const chain = causes(error);
  for (const { code } of chain) {
    if (typeof code !== "string") continue;
    if (code in BY_CODE) return BY_CODE[code]!;
    if (/^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code)) return "TLS failed (check the certificate, or the scheme)";
  }
  for (const { message } of chain) {
    const known = typeof message === "string" ? BY_MESSAGE.find(([pattern]) => pattern.test(message)) : undefined;
    if (known) return known[1];
  }
  // An identifier, never free text: a code or class name cannot carry a host or a password.
  const code = chain.map((e) => e.code).find((c): c is string => typeof c === "string" && /^[A-Z0-9_]{2,40}$/.test(c));
  if (code) return `failed with ${code}`;
  const name = chain.map((e) => e.name).find((n): n is string => typeof n === "string" && /^[A-Za-z]{1,40}$/.test(n));
  return `failed with ${name ?? "an unknown error"}`;
}

/** `error`, its causes and the errors it aggregates, a few levels deep. */
function causes(error: unknown): Array<{ code?: unknown; message?: unknown; name?: unknown }> {
  const out: Array<{ code?: unknown; message?: unknown; name?: unknown }> = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 8) {
    const e = queue.shift();
    if (typeof e !== "object" || e === null) continue;
    out.push(e as { code?: unknown });
    const { cause, errors } = e as { cause?: unknown; errors?: unknown };
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors.slice(0, 4));
  }
  return out;
}
