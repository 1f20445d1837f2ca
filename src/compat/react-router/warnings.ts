/**
 * The warnings react-router prints, under the same conditions, once per
 * message (so once per cookie name) in a process, as react-router does: a
 * user who migrates keeps being told what they were told before.
 */
const warned = new Set<string>();

function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}

/** A session cookie without secrets is data the client can read and edit at will. */
export function warnIfUnsigned(cookie: { name: string; isSigned: boolean }): void {
  if (cookie.isSigned) return;
  warnOnce(
    `tessera/react-router: the session cookie "${cookie.name}" is not signed, so a client can change what it holds ` +
      "before sending it back. Give the cookie secrets: createCookie(name, { secrets: [process.env.SESSION_SECRET] }).",
  );
}

/** A fixed `expires` is not moved forward when a session is committed: the cookie ends at that date, however active its user. */
export function warnIfFixedExpiry(name: string, expires: Date | undefined): void {
  if (!expires) return;
  warnOnce(
    `tessera/react-router: the cookie "${name}" was given a fixed expires date, which committing a session does not move ` +
      'forward. Use maxAge, or pass the date where the cookie is written: commitSession(session, { expires }) or cookie.serialize(value, { expires }).',
  );
}
