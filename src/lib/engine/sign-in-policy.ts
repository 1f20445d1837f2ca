import type { CryptoBackend } from "../crypto/types.js";
import { SessionConfigError } from "../errors.js";
import { storedDevice } from "../session/device.js";
import { stateOf, type Session } from "../session/session.js";
import { emit, type SessionEventListener } from "./events.js";
import type { UserSessions } from "./user-sessions.js";

/** What an id storage does after a sign-in, as its options ask. */
export interface SignInOptions {
  /**
   * At most this many sessions per user: a sign-in past it ends the user's
   * other sessions used least recently. Needs `userKey`. Default: no limit.
   */
  maxSessionsPerUser?: number | undefined;
}

/**
 * The step after a session was created or regenerated for a user: end the
 * sessions used least recently past `maxSessionsPerUser`, and tell `onEvent` ("new-device")
 * when the device `recordDevice` noted in that request is on none of the user's other sessions.
 * Undefined (no cost at all) when the options ask for neither.
 */
export function signInPolicy(
  users: UserSessions,
  /** The store keeps a user index (listByUser): without one there is nothing to count or compare. */
  indexed: boolean,
  userKey: string | undefined,
  options: SignInOptions & { onEvent?: SessionEventListener | undefined },
  cookieName: string,
  crypto: CryptoBackend,
): ((session: Session<any, any>) => Promise<void>) | undefined {
  const max = options.maxSessionsPerUser;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new SessionConfigError(`option maxSessionsPerUser must be a whole number of at least 1, got ${String(max)}`);
  if (max !== undefined && userKey === undefined) throw new SessionConfigError("option maxSessionsPerUser needs the userKey option: the session key that holds the user id");
  if (max !== undefined && !indexed) throw new SessionConfigError("option maxSessionsPerUser: this store keeps no user index (it has no listByUser/deleteByUser)");
  const listener = options.onEvent;
  if (userKey === undefined || !indexed || (max === undefined && !listener)) return undefined;
  return async (session) => {
    const { data, id, deviceNoted } = stateOf(session);
    const user = data[userKey];
    if (typeof user !== "string" && typeof user !== "number") return;
    const sessions = await users.list(String(user), session);
    const device = storedDevice(data);
    // Only a sign-in that noted its device: a re-authentication (a regenerateId on the same device) is none.
    if (listener && device && deviceNoted && !sessions.some((s) => !s.current && s.device?.label === device.label)) {
      await emit(listener, crypto, cookieName, id, "new-device", undefined, { user: String(user), device: device.label });
    }
    if (max === undefined || sessions.length <= max) return;
    // The `max` used last (the sign-in just saved is among them), the handle deciding between equal times:
    // every sign-in ranks alike, so two at once each end what the other ends, never each other.
    const ranked = sessions.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime() || (a.handle < b.handle ? 1 : -1));
    for (const s of ranked.slice(max)) if (!s.current) await users.destroyOne(String(user), s.handle);
  };
}
