// The keys tessera keeps in a session's values for its own features: never
// settable by a handler, and left out of what `entries()`, `toJSON()` and a
// `schema` see.
import { hasOwn } from "./state.js";

/** The step-up record of `markAuthenticated` (authentication.ts). */
export const AUTH_KEY = "__auth__";
/** The session's CSRF secret (`csrfToken`), renewed by every `regenerateId()`. */
export const CSRF_KEY = "__csrf__";
/** The device `recordDevice` noted (device.ts). */
export const DEVICE_KEY = "__device__";
/** A cookie session's revocation stamp (revocation.ts), renewed by every `regenerateId()`. */
export const REVOCATION_KEY = "__rev__";

const RESERVED = [AUTH_KEY, CSRF_KEY, DEVICE_KEY, REVOCATION_KEY];

/** What a sign-in (`regenerateId`, a `keep` list too) carries over to the new id: not the CSRF secret or the revocation stamp, which it renews. */
export const KEPT_BY_REGENERATE = [AUTH_KEY, DEVICE_KEY];

/** `values` without the reserved keys (changed in place). */
export function ownValues(values: Record<string, unknown>): Record<string, unknown> {
  for (const key of RESERVED) if (hasOwn(values, key)) delete values[key];
  return values;
}

/** The reserved keys `from` holds, copied onto `to`. */
export function keepReserved(from: Record<string, unknown>, to: Record<string, unknown>): void {
  for (const key of RESERVED) if (hasOwn(from, key)) to[key] = from[key];
}
