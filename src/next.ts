// `tessera-session/next`: sessions for the Next.js App Router (Server Components read, Route
// Handlers and Server Actions write, the proxy refreshes and hands a page its flash).
export { nextSession, type NextSessions, type NextSessionOptions } from "./lib/adapters/next.js";
export type { ReadonlySession } from "./lib/adapters/next-view.js";
export type { SessionAction, SessionRouteHandler } from "./lib/adapters/next-write.js";
export type { Session, SessionData } from "./lib/session/session.js";
