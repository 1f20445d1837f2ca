// The keys tessera keeps in a session's values for its own features: never
// settable by a handler, and left out of what `entries()`, `toJSON()` and a
// `schema` see.
import { putOwn } from "../util/own.js";
import { provenOnly } from "./authentication.js";
import { emptyRecord, hasOwn } from "./state.js";

/** The step-up record of `markAuthenticated` (authentication.ts). */
export const AUTH_KEY = "__auth__";
/** The session's CSRF secret (`csrfToken`), renewed by every `regenerateId()`. */
export const CSRF_KEY = "__csrf__";
/** The device `recordDevice` noted (device.ts). */
export const DEVICE_KEY = "__device__";
/** A cookie session's revocation stamp (revocation.ts), renewed by every `regenerateId()`. */
export const REVOCATION_KEY = "__rev__";

const RESERVED = [AUTH_KEY, CSRF_KEY, DEVICE_KEY, REVOCATION_KEY];

/**
 * What a sign-in (`regenerateId` with a `keep` list) carries over: the keys it
 * names; the device, which is the browser's; of the step-up record only the
 * methods `proven` in the same request (an earlier proof may be another
 * user's). Not the CSRF secret or the revocation stamp, which every
 * `regenerateId` renews.
 */
export function keptBySignIn(data: Record<string, unknown>, keep: readonly string[], proven: readonly string[] | undefined): Record<string, unknown> {
  const kept = emptyRecord();
  for (const key of keep) if (!RESERVED.includes(key) && hasOwn(data, key)) putOwn(kept, key, data[key]);
  if (hasOwn(data, DEVICE_KEY)) putOwn(kept, DEVICE_KEY, data[DEVICE_KEY]);
  const auth = proven && provenOnly(data[AUTH_KEY], proven);
  if (auth) putOwn(kept, AUTH_KEY, auth);
  return kept;
}

/** `values` without the reserved keys (changed in place). */
export function ownValues(values: Record<string, unknown>): Record<string, unknown> {
  for (const key of RESERVED) if (hasOwn(values, key)) delete values[key];
  return values;
}

/** The reserved keys `from` holds, copied onto `to`. */
export function keepReserved(from: Record<string, unknown>, to: Record<string, unknown>): void {
  for (const key of RESERVED) if (hasOwn(from, key)) to[key] = from[key];
}
