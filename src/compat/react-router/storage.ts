import { cryptoFor } from "../../lib/crypto/backend.js";
import { createCookie, isCookie, type Cookie, type CookieOptions, type CookieParseOptions, type CookieSerializeOptionsRR } from "./cookie.js";
import { createSession, type FlashSessionData, type Session, type SessionData } from "./session.js";
import { warnIfUnsigned } from "./warnings.js";

export interface SessionStorage<Data = SessionData, FlashData = Data> {
  getSession(cookieHeader?: string | null, options?: CookieParseOptions): Promise<Session<Data, FlashData>>;
  commitSession(session: Session<Data, FlashData>, options?: CookieSerializeOptionsRR): Promise<string>;
  destroySession(session: Session<Data, FlashData>, options?: CookieSerializeOptionsRR): Promise<string>;
}

export interface SessionIdStorageStrategy<Data = SessionData, FlashData = Data> {
  cookie?: Cookie | (CookieOptions & { name?: string });
  createData(data: FlashSessionData<Data, FlashData>, expires?: Date): Promise<string>;
  readData(id: string): Promise<FlashSessionData<Data, FlashData> | null>;
  updateData(id: string, data: FlashSessionData<Data, FlashData>, expires?: Date): Promise<void>;
  deleteData(id: string): Promise<void>;
}

/** The session cookie of a storage, with react-router's warning when it is unsigned. */
function cookieFrom(arg: SessionIdStorageStrategy["cookie"]): Cookie {
  const cookie = isCookie(arg) ? arg : createCookie(arg?.name || "__session", arg);
  warnIfUnsigned(cookie);
  return cookie;
}

function expiresFor(cookie: Cookie, options?: CookieSerializeOptionsRR): Date | undefined {
  return options?.maxAge != null ? new Date(Date.now() + options.maxAge * 1000) : options?.expires != null ? options.expires : cookie.expires;
}

const expired = (cookie: Cookie, options?: CookieSerializeOptionsRR) => cookie.serialize("", { ...options, maxAge: undefined, expires: new Date(0) });

/**
 * react-router's `createSessionStorage`, with two safety differences:
 * - an id the strategy does not know is not adopted: the session starts with
 *   no id, so committing it creates a new one (react-router keeps the unknown
 *   id and `updateData` would create it: session fixation);
 * - committing a session whose record was deleted meanwhile (a logout in
 *   another request) writes nothing and returns an expiring cookie, instead of
 *   bringing the session back.
 */
export function createSessionStorage<Data = SessionData, FlashData = Data>({
  cookie: cookieArg,
  createData,
  readData,
  updateData,
  deleteData,
}: SessionIdStorageStrategy<Data, FlashData>): SessionStorage<Data, FlashData> {
  const cookie = cookieFrom(cookieArg);
  return {
    async getSession(cookieHeader, options) {
      const id = cookieHeader && (await cookie.parse(cookieHeader, options));
      const data = typeof id === "string" && id !== "" ? await readData(id) : null;
      return createSession<Data, FlashData>((data || {}) as Partial<Data>, data ? (id as string) : "");
    },
    async commitSession(session, options) {
      let { id } = session;
      const data = session.data;
      const expires = expiresFor(cookie, options);
      if (id) {
        if ((await readData(id)) === null) return expired(cookie, options);
        await updateData(id, data, expires);
      } else {
        id = await createData(data, expires);
      }
      return cookie.serialize(id, options);
    },
    async destroySession(session, options) {
      await deleteData(session.id);
      return expired(cookie, options);
    },
  };
}

/** The whole session in the cookie, as react-router stores it (same 4096-character error). */
export function createCookieSessionStorage<Data = SessionData, FlashData = Data>({
  cookie: cookieArg,
}: { cookie?: SessionIdStorageStrategy["cookie"] } = {}): SessionStorage<Data, FlashData> {
  const cookie = cookieFrom(cookieArg);
  return {
    async getSession(cookieHeader, options) {
      return createSession<Data, FlashData>((cookieHeader && (await cookie.parse(cookieHeader, options))) || {});
    },
    async commitSession(session, options) {
      const serialized = await cookie.serialize(session.data, options);
      if (serialized.length > 4096) {
        throw new Error(`Cookie length will exceed browser maximum. Length: ${serialized.length}`);
      }
      return serialized;
    },
    async destroySession(_session, options) {
      return expired(cookie, options);
    },
  };
}

/**
 * `bytes` from the CSPRNG as hex digits: 16 (128 bits) by default; react-router's
 * memory ids come from a non-cryptographic generator.
 */
export function newHexId(bytes = 16): string {
  return Array.from(cryptoFor().random(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** In-memory sessions with 128-bit CSPRNG ids; expired ones are dropped when read. */
export function createMemorySessionStorage<Data = SessionData, FlashData = Data>({
  cookie,
}: { cookie?: SessionIdStorageStrategy["cookie"] } = {}): SessionStorage<Data, FlashData> {
  const map = new Map<string, { data: string; expires?: Date | undefined }>();
  return createSessionStorage<Data, FlashData>({
    cookie,
    async createData(data, expires) {
      const id = newHexId();
      map.set(id, { data: JSON.stringify(data), expires });
      return id;
    },
    async readData(id) {
      const entry = map.get(id);
      if (!entry) return null;
      if (!entry.expires || entry.expires > new Date()) return JSON.parse(entry.data);
      map.delete(id);
      return null;
    },
    async updateData(id, data, expires) {
      map.set(id, { data: JSON.stringify(data), expires });
    },
    async deleteData(id) {
      map.delete(id);
    },
  });
}
