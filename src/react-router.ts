// `tessera-session/react-router`: a drop-in for the session API of react-router 7,
// @react-router/node and @remix-run/node 2, byte-compatible with their cookies.
// It runs on every runtime; the file storage, which needs node:fs, is
// `tessera-session/react-router/file`.
export { createCookie, isCookie, type Cookie, type CookieOptions, type CookieParseOptions, type CookieSerializeOptionsRR as CookieSerializeOptions } from "./compat/react-router/cookie.js";
export { createSession, isSession, type Session, type SessionData, type FlashSessionData } from "./compat/react-router/session.js";
export {
  createSessionStorage,
  createCookieSessionStorage,
  createMemorySessionStorage,
  type SessionStorage,
  type SessionIdStorageStrategy,
} from "./compat/react-router/storage.js";
