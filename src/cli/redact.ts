/**
 * A store URL as the CLI prints it: scheme, host and path only. The user name
 * and password become `***`, and a query string (which may hold `password=`)
 * becomes `?***`, so an incident log never carries a credential.
 */
export function redactUrl(url: URL): string {
  const userinfo = url.username || url.password ? "***@" : "";
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${url.search ? "?***" : ""}`;
}

/**
 * Text that `URL` cannot read safely, as the CLI prints it: everything between
 * `//` (or the scheme) and the last `@` becomes `***`, and anything after a
 * `?` that follows it (or, without an `@`, after the first `?`). Erring towards hiding: a password may hold `/`, `?` or
 * `#`, so the last `@` is the only reliable end of the user info.
 */
export function redactText(text: string): string {
  const at = text.lastIndexOf("@");
  if (at < 0) return text.includes("?") ? `${text.slice(0, text.indexOf("?"))}?***` : text;
  const slashes = text.indexOf("//");
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(text)?.[0].length ?? 0;
  const start = slashes >= 0 && slashes < at ? slashes + 2 : scheme;
  const rest = text.slice(at);
  const query = rest.indexOf("?");
  return `${text.slice(0, start)}***${query < 0 ? rest : `${rest.slice(0, query)}?***`}`;
}
