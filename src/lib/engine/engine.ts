import { checkMaxAge } from "../cookie/attributes.js";
import type { SealedCookie } from "../cookie/cookie.js";
import type { CookieInput } from "../cookie/header.js";
import { Session, stateOf, type SessionState } from "../session/session.js";
import { promised, chain, type MaybePromise } from "../util/maybe-promise.js";
import type { Backend, Refusal, RefusalReason, SessionCheck } from "./backend.js";
import { emit, type SessionEvent, type SessionEventListener } from "./events.js";
import { immediate, type Immediate } from "./immediate.js";
import type { CommitOptions, SessionStorage, Transport } from "./storage.js";
import { secondsUntil, type Timeouts } from "./timeouts.js";
import { VerifiedTokens } from "./verified-tokens.js";

/** What a storage is made of. */
export interface EngineParts<Data, FlashData> {
  backend: Backend<Data, FlashData, any>;
  cookie: SealedCookie;
  carrier: Transport;
  timeouts: Timeouts;
  onEvent: SessionEventListener | undefined;
  /** The checks of each session read (`schema`, revocation), if the storage has any. */
  check?: SessionCheck | undefined;
  /** What the storage does once a session was created or regenerated (a sign-in): `maxSessionsPerUser`, "new-device". */
  signedIn?: ((session: Session<Data, FlashData>) => MaybePromise<void>) | undefined;
}

/**
 * The session lifecycle, decided in one place for every storage: whether a
 * read adopts or refuses a token, and whether a save creates, replaces,
 * updates, touches, deletes or does nothing, and when the token is re-issued.
 * The backend (cookie or store) carries each decision out.
 */
export class Engine<Data, FlashData> implements SessionStorage<Data, FlashData> {
  readonly cookie: SealedCookie;
  readonly transport: Transport;
  readonly #backend: Backend<Data, FlashData, unknown>;
  readonly #t: Timeouts;
  readonly #onEvent: SessionEventListener | undefined;
  readonly #check: SessionCheck | undefined;
  readonly #signedIn: ((session: Session<Data, FlashData>) => MaybePromise<void>) | undefined;
  /** Authentic tokens, each with what the backend made of it: a returning client skips the MAC check and the decoding. */
  readonly #verified = new VerifiedTokens<unknown>();
  /** @internal */
  readonly [immediate]: Immediate<Data, FlashData>;

  constructor(parts: EngineParts<Data, FlashData>) {
    this.cookie = parts.cookie;
    this.transport = parts.carrier;
    this.#backend = parts.backend;
    this.#t = parts.timeouts;
    this.#onEvent = parts.onEvent;
    this.#check = parts.check;
    this.#signedIn = parts.signedIn;
    this[immediate] = { read: (input) => this.#read(input), save: (session) => this.#persist(session, false) };
  }

  read(input: CookieInput): Promise<Session<Data, FlashData>> {
    return promised(() => this.#read(input));
  }

  save(session: Session<Data, FlashData>): Promise<string | null> {
    return promised(() => this.#persist(session, false));
  }

  getSession(cookieHeader?: string | null): Promise<Session<Data, FlashData>> {
    return this.read(cookieHeader);
  }

  async commitSession(session: Session<Data, FlashData>, options: CommitOptions = {}): Promise<string> {
    // A lifetime given here is the session's own from now on: every re-issue of its cookie keeps it.
    if (options.maxAge !== undefined && !session.destroyed) session.setMaxAge(checkMaxAge(options.maxAge)!);
    return (await this.#persist(session, true))!;
  }

  async destroySession(session: Session<Data, FlashData>): Promise<string> {
    session.destroy();
    return (await this.#persist(session, true))!;
  }

  /** Reads a token again, for `session.reload()`. */
  readonly #reread = (token: string | undefined, sent: number | undefined): Promise<Session<Data, FlashData>> => promised(() => this.#open(token, sent));

  /** `#reread` of the token this request's own save issued: the flash that save wrote is the next request's, and is written again. */
  readonly #rereadOwn = (token: string | undefined, sent: number | undefined): Promise<Session<Data, FlashData>> =>
    promised(() =>
      chain(this.#open(token, sent), (again) => {
        const state = stateOf(again) as { flashIn: Record<string, unknown> | null; flashOut: Record<string, unknown> | null };
        if (state.flashIn) [state.flashOut, state.flashIn] = [state.flashIn, null];
        return again;
      }),
    );

  #read(input: CookieInput): MaybePromise<Session<Data, FlashData>> {
    // Only chunked cookies tell which of the session's cookies came (a save expires those it no longer uses).
    const chunks = this.transport.read?.(input);
    return chunks ? this.#open(chunks.token, chunks.sent) : this.#open(this.transport.token(input));
  }

  /** The session of a raw token, remembering the token and the cookies it came in (and how to read it again) for `reload()`. */
  #open(raw: string | undefined, sent?: number): MaybePromise<Session<Data, FlashData>> {
    return chain(this.#opened(raw), (session) => {
      const state = stateOf(session);
      state.token = raw;
      if (sent) state.sent = sent;
      state.reread = this.#reread;
      return session;
    });
  }

  #opened(raw: string | undefined): MaybePromise<Session<Data, FlashData>> {
    const now = this.#t.now();
    if (!raw) return this.#backend.fresh(now);
    const known = this.#verified.get(raw);
    if (known !== undefined) return this.#adopt(this.#backend.load(known, false, raw, now), now);
    return chain(this.cookie.openValue(raw), (opened) => {
      // Only an authentic value of exactly the backend's shape goes further (docs/security.md, B4).
      if (!opened) return this.#refuse({ reason: "tampered", subject: raw }, now);
      return chain(this.#backend.recognise(opened.json), (memo) => {
        if (memo === null) return this.#refuse({ reason: "tampered", subject: raw }, now);
        // A token under an older secret is about to be replaced: not worth remembering.
        if (!opened.stale) this.#verified.add(raw, memo);
        return this.#adopt(this.#backend.load(memo, opened.stale, raw, now), now);
      });
    });
  }

  #adopt(loaded: MaybePromise<Session<Data, FlashData> | Refusal>, now: number): MaybePromise<Session<Data, FlashData>> {
    if (loaded instanceof Promise) return loaded.then((found) => this.#adopt(found, now));
    if (!(loaded instanceof Session)) return this.#refuse(loaded, now);
    const check = this.#check;
    // A session whose values fail the storage's schema (and its migrate), or that was revoked, is refused like a forged one.
    if (!check) return loaded;
    return chain(check(loaded), (reason) => (reason === undefined ? loaded : this.#refuse({ reason, subject: this.#backend.subject(loaded, loaded.id) }, now)));
  }

  /** A presented session that is refused: a fresh one, after the event (when someone listens). */
  #refuse(refusal: Refusal, now: number): MaybePromise<Session<Data, FlashData>> {
    const fresh = this.#backend.fresh(now);
    const told = this.#tell(refusal.subject, "rejected", refusal.reason);
    return told ? told.then(() => fresh) : fresh;
  }

  #tell(subject: string, type: SessionEvent["type"], reason?: RefusalReason): Promise<void> | undefined {
    return this.#onEvent && emit(this.#onEvent, this.cookie.crypto, this.cookie.name, subject, type, reason);
  }

  /**
   * What a save does, decided here only. `always` (commitSession) must answer
   * with a header: a token, or one that ends the session on the client.
   */
  #persist(session: Session<Data, FlashData>, always: boolean): MaybePromise<string | null> {
    const state = stateOf(session);
    const now = this.#t.now();
    switch (state.phase) {
      case "destroyed":
        return this.#end(session, state);
      case "regenerated":
        if (state.storedId !== undefined) return this.#written(session, "replace", now, always, "regenerated");
      // A session regenerated before it was ever stored is simply created under its new id.
      // falls through
      case "new":
        // An untouched new session is never written (docs/security.md, B5).
        if (!always && !session.dirty) return null;
        return this.#written(session, "create", now, always, "created");
      case "stored":
        return this.#update(session, state, now, always);
    }
  }

  #update(session: Session<Data, FlashData>, state: SessionState, now: number, always: boolean): MaybePromise<string | null> {
    const { lastSeenAt, stale } = state.carried as Carried;
    // A cookie with a Max-Age was last issued at lastSeenAt: it is re-issued by half its life at the latest,
    // or a user active all along loses it to the browser (a Max-Age shorter than touchInterval). Not for
    // a token header, which carries no Max-Age, nor for Max-Age=0, which no browser keeps.
    const lifetime = this.#lifetimeOf(state);
    const slides = lifetime !== undefined && lifetime > 0 && this.transport.requestHeader === "cookie";
    const touchEvery = slides ? Math.min(this.#t.touch, lifetime * 500) : this.#t.touch;
    const touchDue = state.touched || now - lastSeenAt >= touchEvery;
    state.touched = false;
    const dirty = session.dirty;
    if (this.#backend.tokenIsData) {
      // The token is the session: a change, a touch (its payload slides the idle timeout) or an old secret re-issues it.
      return dirty || touchDue || stale || always ? this.#written(session, "update", now, always, undefined) : null;
    }
    // A token that carries only the id is re-issued for an old secret, on a touch when it has a lifetime; a
    // cookie with a Max-Age by every write too, each of which moves lastSeenAt (its Max-Age slides with it).
    const resend = always || stale || (lifetime !== undefined && touchDue) || (slides && dirty);
    if (!dirty && !touchDue) return resend ? this.#issue(session, state, now) : null;
    return chain(this.#backend.write(session, dirty ? "update" : "touch", now), (alive) =>
      !alive ? this.#gone(session, always) : resend ? this.#issue(session, state, now) : null,
    );
  }

  /** Performs a write that ends with a new token (create, replace, a cookie's update), with its event. */
  #written(
    session: Session<Data, FlashData>,
    write: "create" | "replace" | "update",
    now: number,
    always: boolean,
    event: "created" | "regenerated" | undefined,
  ): MaybePromise<string | null> {
    const state = stateOf(session);
    return chain(this.#backend.write(session, write, now), (alive) => {
      if (!alive) return this.#gone(session, always);
      // After a create or a replace the session is an ordinary stored one: a later save updates it.
      state.phase = "stored";
      state.storedId = state.id;
      const told = event && this.#tell(this.#backend.subject(session, state.id), event);
      const after = event && this.#signedIn ? chain(told, () => this.#signedIn!(session)) : told;
      return after instanceof Promise ? after.then(() => this.#issue(session, state, now)) : this.#issue(session, state, now);
    });
  }

  /**
   * The session ended meanwhile: a logout, "log out everywhere", an expiry, or
   * another request's regenerateId(). Nothing was written (docs/security.md, E2
   * and L1), and the client's cookie is left alone: after a login elsewhere it
   * already holds the new session's token, which an expiring cookie would wipe.
   */
  #gone(session: Session<Data, FlashData>, always: boolean): string | null {
    session.destroy();
    return always ? this.transport.clear(stateOf(session).sent) : null;
  }

  /** destroy(): the stored record (a regenerated session's is under its old id) goes, and the client's token. */
  async #end(session: Session<Data, FlashData>, state: SessionState): Promise<string> {
    const storedId = state.storedId;
    if (storedId !== undefined) {
      state.storedId = undefined;
      await this.#backend.remove(storedId, session);
      await this.#tell(this.#backend.subject(session, storedId), "destroyed");
    }
    return this.transport.clear(state.sent);
  }

  /** The session's own cookie lifetime (`setMaxAge`), else the storage's. */
  #lifetimeOf(state: SessionState): number | undefined {
    return state.maxAge ?? this.cookie.attributes.maxAge;
  }

  /** The token for `session`, sealed, remembered as authentic, in its response header. */
  #issue(session: Session<Data, FlashData>, state: SessionState, now: number): MaybePromise<string> {
    const { json, memo } = this.#backend.token(session, now);
    const maxAge = this.#lifetimeOf(state);
    const cap = maxAge === undefined ? undefined : Math.min(maxAge, secondsUntil(state.expiresAt ?? now, now));
    return chain(this.cookie.sealValue(json), (value) => {
      // The client will present this token next: it is known authentic already.
      if (memo !== undefined) this.#verified.add(value, memo);
      const issued = this.transport.issue(value, cap, state.sent);
      // Where the session lives from now on: reload() reads it there. A later save in this request
      // expires whichever of the session's cookies this one set that it does not use.
      state.token = value;
      state.reread = this.#rereadOwn;
      // Any of them: every bit set.
      if (this.transport.read) state.sent = -1;
      return issued;
    });
  }
}

/** What every backend keeps with a session it loaded (`SessionState.carried`). */
export interface Carried {
  /** When the session was last written or touched, in milliseconds. */
  lastSeenAt: number;
  /** Its token was sealed under an older secret: re-issue it under the current one. */
  stale: boolean;
}
