/** How many of a session's keys the warning names at most. */
const MAX_NAMED = 10;

/**
 * What a storage says, once, when a regenerated session (a sign-in, usually)
 * is saved without its `userKey` value, or with one that is no user id (an
 * object, say): "log out everywhere" will not reach it, and a typo there fails
 * silently otherwise. It names the keys the session has (never their values; the first ten),
 * and a near match; or the type of the value that is not a user id.
 */
export function noUserWarning(userKey: string, data: Record<string, unknown>, methods: string): string {
  if (Object.hasOwn(data, userKey)) {
    const value = data[userKey];
    const what = value === null ? "null" : Array.isArray(value) ? "an array" : `a${typeof value === "object" ? "n" : ""} ${typeof value}`;
    return (
      `tessera: a regenerated session was saved with "${userKey}" (the storage's userKey) holding ${what}, ` +
      `not a user id (a string or a number), so ${methods} will not find it.`
    );
  }
  const keys = Object.keys(data);
  const near = keys.find((k) => k.toLowerCase() === userKey.toLowerCase());
  // Ten names are enough to spot a typo; a session of thousands of keys must not make a line of thousands.
  const named = keys.length > MAX_NAMED ? `${keys.slice(0, MAX_NAMED).join(", ")} and ${(keys.length - MAX_NAMED).toLocaleString("en-US")} more` : keys.join(", ");
  return (
    `tessera: a regenerated session was saved without "${userKey}" (the storage's userKey) in its data, ` +
    `so ${methods} will not find it. Its keys: ${named || "none"}.` +
    (near ? ` Did you mean userKey: "${near}"?` : " If this was a sign-in, set the user id under that key (a string or a number).")
  );
}
