import { SessionValueError } from "../errors.js";

const WHY = "PostgreSQL cannot store U+0000 (jsonb and text refuse it)";

/**
 * `data` as JSON text for a jsonb parameter. PostgreSQL refuses U+0000 in
 * jsonb and in text, which any other store keeps: that is the app's value, not
 * an outage, so it is a `SessionValueError` naming the key before any query is
 * sent, and the stored session stays as it was (a flash value is named by its
 * stored key, `__flash_<key>__`). JSON writes U+0000 as the
 * escape `\u0000`; the text `\u0000` typed by a user is `\\u0000` there, so a
 * match is only a candidate, and the values themselves decide.
 */
export function jsonbOf(data: Record<string, unknown>): string {
  const json = JSON.stringify(data);
  if (!json.includes("\\u0000")) return json;
  for (const [key, value] of Object.entries(data)) {
    if (key.includes("\0")) throw refused(`session key ${JSON.stringify(key)}`);
    if (holdsNul(value)) throw refused(`session value ${JSON.stringify(key)}`);
  }
  return json;
}

/** A user id to store (a text column), checked the same way. */
export function userIdOf<T extends string | null | undefined>(userId: T): T {
  if (userId?.includes("\0")) throw refused(`user id ${JSON.stringify(userId)}`);
  return userId;
}

/**
 * True when `text` can be in the table at all: a key to unset or a user id to
 * look up that holds U+0000 was never stored, so there is nothing to find.
 */
export const storable = (text: string): boolean => !text.includes("\0");

function holdsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\0");
  if (typeof value !== "object" || value === null) return false;
  return Object.entries(value).some(([k, v]) => k.includes("\0") || holdsNul(v));
}

function refused(what: string): SessionValueError {
  return new SessionValueError(`postgres: the ${what} holds U+0000: ${WHY}`);
}
