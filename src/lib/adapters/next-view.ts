import type { Session, SessionData } from "../session/session.js";

/** What a session shows as it was read: its values (flash ones included) and its times. */
export interface SessionSnapshot {
  data: Record<string, unknown>;
  createdAt: string;
  expiresAt: string | undefined;
  isNew: boolean;
}

/**
 * The session as a Server Component sees it: every value, flash ones included,
 * and nothing that changes it (Next lets no Server Component set a cookie).
 * Reading a flash value here does not consume it: see `getSession()` of
 * `nextSession` for who does.
 */
export interface ReadonlySession<Data = SessionData, FlashData = Data> {
  readonly get: Session<Data, FlashData>["get"];
  readonly has: Session<Data, FlashData>["has"];
  readonly entries: Session<Data, FlashData>["entries"];
  readonly isNew: boolean;
  readonly createdAt: Date;
  readonly expiresAt: Date | undefined;
  toJSON(): { data: Record<string, unknown>; createdAt: string; expiresAt: string | undefined };
}

/** What `session` shows now, taken without consuming its flash values (`toJSON` marks nothing read). */
export function snapshotOf(session: Session<any, any>): SessionSnapshot {
  const { data, createdAt, expiresAt } = session.toJSON();
  return { data, createdAt, expiresAt, isNew: session.isNew };
}

/** A `ReadonlySession` over a snapshot. Own keys only, as `Session` reads them. */
export function viewOf<Data, FlashData>(snapshot: SessionSnapshot): ReadonlySession<Data, FlashData> {
  const data: Record<string, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, snapshot.data);
  const view = {
    get: (key: string) => data[key],
    has: (key: string) => Object.hasOwn(data, key),
    entries: () => Object.entries(data),
    isNew: snapshot.isNew,
    createdAt: new Date(snapshot.createdAt),
    expiresAt: snapshot.expiresAt === undefined ? undefined : new Date(snapshot.expiresAt),
    toJSON: () => ({ data: { ...data }, createdAt: snapshot.createdAt, expiresAt: snapshot.expiresAt }),
  };
  // The key-typed signatures of `Session` are erased at run time: this is the one place they are claimed.
  return Object.freeze(view) as unknown as ReadonlySession<Data, FlashData>;
}
