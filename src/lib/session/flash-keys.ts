import { AUTH_KEY, CSRF_KEY, DEVICE_KEY, REVOCATION_KEY } from "./reserved-keys.js";

/**
 * Stored flash values sit under `__flash_<key>__` keys, react-router's layout,
 * so a store written by one reads in the other.
 */
const FLASH_PREFIX = "__flash_";

/** The stored key of flash value `key`. */
export function flashKey(key: string): string {
  return `${FLASH_PREFIX}${key}__`;
}

/** The flash key inside a stored key, or undefined for an ordinary key. */
export function unflashKey(stored: string): string | undefined {
  return stored.startsWith(FLASH_PREFIX) && stored.endsWith("__") && stored.length > 10 ? stored.slice(8, -2) : undefined;
}

/**
 * Keys shaped like stored flash keys are reserved: `set("__flash_x__")` would
 * forge a flash. So are the authentication record's (it would forge a sign-in)
 * the CSRF secret's (it would let a page choose it) and the revocation stamp's
 * (it would outlive "log out everywhere").
 */
export function checkKey(key: unknown): string {
  if (typeof key !== "string") throw new TypeError(`session keys are strings, got ${typeof key}`);
  if (key === AUTH_KEY) throw new TypeError(`session key "${key}" is reserved: use session.markAuthenticated({ method })`);
  if (key === CSRF_KEY) throw new TypeError(`session key "${key}" is reserved for the CSRF secret: use csrfToken(session)`);
  if (key === DEVICE_KEY) throw new TypeError(`session key "${key}" is reserved: use recordDevice(session, { userAgent, ip })`);
  if (key === REVOCATION_KEY) throw new TypeError(`session key "${key}" is reserved for the revocation stamp: use storage.destroyAllSessions(userId)`);
  if (key.startsWith(FLASH_PREFIX) && key.endsWith("__")) {
    throw new TypeError(`session key "${key}" is reserved for flash values: use session.flash("${key.slice(8, -2)}", value)`);
  }
  return key;
}

/** The incoming flash keys this request read (`read`), or did not read. */
export function flashKeys(
  state: { readonly flashIn: Record<string, unknown> | null; readonly flashRead: Set<string> | true | null },
  read: boolean,
): string[] {
  const flash = state.flashIn;
  if (flash === null) return [];
  const seen = state.flashRead;
  return Object.keys(flash).filter((k) => (seen === true || (seen !== null && seen.has(k))) === read);
}
