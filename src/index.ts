// `tessera-session`: sessions in a sealed cookie or under an id in a store; runs on every runtime.
export { createCookie, type Cookie, type CookieOptions, type SerializeOptions } from "./lib/cookie/cookie.js";
export type { CookieAttributes } from "./lib/cookie/attributes.js";
export type { CryptoBackend, CryptoKind } from "./lib/crypto/types.js";
export type { CookieInput } from "./lib/cookie/header.js";
export { createCookieSessionStorage, type CookieSessionStorageOptions } from "./lib/engine/cookie-storage.js";
export {
  createRevocableCookieSessionStorage,
  type RevocableCookieSessionStorage,
  type RevocableCookieSessionStorageOptions,
} from "./lib/engine/revocable-cookie-storage.js";
export { MemoryRevocationStore } from "./lib/stores/memory-revocation.js";
export type { RevocationStore } from "./lib/stores/revocation-store.js";
export type { RevocationOptions } from "./lib/revocation/revocation.js";
export { createSessionStorage, type IdSessionStorage, type IdSessionStorageOptions, type IdStorageOptions, type SessionInfo } from "./lib/engine/id-storage.js";
export { createMemorySessionStorage, type MemorySessionStorageOptions } from "./lib/storages/memory.js";
export { MemoryStore, type MemoryStoreOptions } from "./lib/stores/memory.js";
export type { SessionStore, SessionRecord, SessionPatch } from "./lib/stores/store.js";
export type { SessionIdStorageStrategy } from "./lib/stores/strategy.js";
export { Session, type SessionData, type Json, type JsonSafe, type Authentication } from "./lib/session/session.js";
export { csrfToken, verifyCsrfToken } from "./lib/csrf/token.js";
export { checkCsrf, type CsrfOptions, type CsrfRequest, type CsrfResult, type CsrfFailure } from "./lib/csrf/check.js";
export { recordDevice, deviceOf, networkOf, type Device, type ClientHints } from "./lib/session/device.js";
export type { SignInOptions } from "./lib/engine/sign-in-policy.js";
export { requireRecentAuth, safeReturnTo, type RecentAuth, type RecentAuthOptions } from "./lib/session/step-up.js";
export type {
  SessionStorage,
  StorageOptions,
  SessionCookieOptions,
  CommitOptions,
  Transport,
  TransportOption,
  HeaderOperation,
} from "./lib/engine/storage.js";
export type { TimeoutOptions } from "./lib/engine/timeouts.js";
export type { SessionSchema, SchemaIssue, SchemaResult, SchemaOptions, Migrate } from "./lib/engine/schema.js";
export type { SessionEvent, SessionEventListener } from "./lib/engine/events.js";
export { CookieTooLargeError, SessionConfigError, SessionStoreError, SessionValueError } from "./lib/errors.js";
export { setCookieLines } from "./lib/util/set-cookie-lines.js";
