import { Revocation, type RevocationOptions } from "../revocation/revocation.js";
import type { Session, SessionData } from "../session/session.js";
import { cookieStorageParts, type CookieSessionStorageOptions } from "./cookie-storage.js";
import { Engine, type EngineParts } from "./engine.js";
import type { SessionStorage } from "./storage.js";

export interface RevocableCookieSessionStorageOptions<Data = SessionData> extends CookieSessionStorageOptions<Data> {
  /** The session key that holds the user id: each signed-in session's cookie is stamped with that user's generation. */
  userKey: NoInfer<keyof Data & string>;
  /** Where the generations live, how long an answer is trusted, and what a store that is down means. */
  revocation: RevocationOptions;
}

/** A cookie storage whose sessions can be ended before they expire: "log out everywhere" works for cookie sessions too. */
export interface RevocableCookieSessionStorage<Data = SessionData, FlashData = Data> extends SessionStorage<Data, FlashData> {
  /**
   * Ends every session of `userId` but `except` (whose cookie is re-issued when
   * it is saved): other processes refuse them within `checkInterval` seconds,
   * this one at once.
   */
  destroyAllSessions(userId: string, options?: { except?: Session<Data, FlashData> | undefined }): Promise<void>;
}

class RevocableCookieStorage<Data, FlashData> extends Engine<Data, FlashData> implements RevocableCookieSessionStorage<Data, FlashData> {
  constructor(
    parts: EngineParts<Data, FlashData>,
    private readonly revocation: Revocation,
  ) {
    super(parts);
  }

  destroyAllSessions(userId: string, options: { except?: Session<Data, FlashData> | undefined } = {}): Promise<void> {
    return this.revocation.revokeUser(userId, options?.except);
  }
}

/**
 * Cookie sessions that can be revoked (docs/security.md, M9): `destroySession`,
 * `regenerateId` and `destroyAllSessions(userId)` end every copy of a cookie,
 * through a small shared `RevocationStore` asked at most once per
 * `checkInterval` per user and session and process.
 *
 * ```ts
 * const storage = createRevocableCookieSessionStorage({
 *   cookie: { secrets: [process.env.SESSION_SECRET] },
 *   userKey: "userId",
 *   revocation: { store: new RedisRevocationStore({ client }), checkInterval: 10 },
 * });
 * await storage.destroyAllSessions(userId, { except: session });
 * ```
 */
export function createRevocableCookieSessionStorage<Data = SessionData, FlashData = Data>(
  options: RevocableCookieSessionStorageOptions<Data>,
): RevocableCookieSessionStorage<Data, FlashData> {
  let revocation: Revocation | undefined;
  const parts = cookieStorageParts<Data, FlashData>(
    options,
    (crypto, timeouts, tolerance) => (revocation = new Revocation(options?.revocation, options?.userKey, crypto, timeouts, tolerance)),
  );
  return new RevocableCookieStorage(parts, revocation!);
}
