import type { Session } from "../session/session.js";
import { chain, type MaybePromise } from "../util/maybe-promise.js";

/** Why a presented token is refused (a security event's `reason`). */
export type RefusalReason = "tampered" | "expired" | "unknown" | "invalid" | "revoked";

/** A refused token: the reason, and what the event's fingerprint is taken of. */
export interface Refusal {
  reason: RefusalReason;
  subject: string;
}

/**
 * A check of each session as it is read (a `schema`, a revocation): undefined
 * when it may be used, else why it is refused.
 */
export type SessionCheck = (session: Session<any, any>) => MaybePromise<RefusalReason | undefined>;

/** The checks that are there, as one (undefined: none, no cost at all); the first refusal wins. */
export function allChecks(checks: ReadonlyArray<SessionCheck | undefined>): SessionCheck | undefined {
  const present = checks.filter((c): c is SessionCheck => c !== undefined);
  if (present.length <= 1) return present[0];
  const [first, second] = present as [SessionCheck, SessionCheck];
  return (session) => chain(first(session), (reason) => reason ?? second(session));
}

/** The write a save needs, as the engine decided it. */
export type Write = "create" | "replace" | "update" | "touch";

/**
 * Where sessions live, as the engine sees it: the cookie itself, or a store
 * under an id. A backend does the mechanics (decode, build records, call the
 * store); the engine decides which of them a read or a save needs.
 */
export interface Backend<Data, FlashData, Memo = unknown> {
  /** The cookie carries the session's data: every write re-issues it, and only it. */
  readonly tokenIsData: boolean;
  /** A session for a request that brought none (nothing is stored until it is saved dirty). */
  fresh(now: number): Session<Data, FlashData>;
  /**
   * What an authentic token's JSON stands for, which the engine may remember
   * for that token (the id and its store key; the payload), or null when it is
   * not of this backend's shape.
   */
  recognise(json: string): MaybePromise<Memo | null>;
  /** The session a recognised token stands for, or why it is refused. `raw` is the token as presented. */
  load(memo: Memo, stale: boolean, raw: string, now: number): MaybePromise<Session<Data, FlashData> | Refusal>;
  /** Performs `write`; false when the session ended meanwhile (nothing was written). Settles the session's expiry. */
  write(session: Session<Data, FlashData>, write: Write, now: number): MaybePromise<boolean>;
  /** Deletes what is stored under `storedId` (`session`'s record: destroy()). */
  remove(storedId: string, session: Session<Data, FlashData>): MaybePromise<void>;
  /**
   * The JSON to seal into the token for `session`, and the string to remember
   * it by (what `recognise` would make of it), or undefined when not worth
   * remembering.
   */
  token(session: Session<Data, FlashData>, now: number): { json: string; memo: Memo | undefined };
  /** What a security event about `session` (stored under `storedId`) is fingerprinted by. */
  subject(session: Session<Data, FlashData>, storedId: string): string;
}
