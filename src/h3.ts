// `tessera-session/h3`: h3 2 middleware (`app.use(session(storage))`, then `useSession(event)`),
// typed through h3's `H3EventContext` (`SessionContext`); edge-safe, as h3 is.
export { session, useSession, type ContextSession, type SessionContext } from "./lib/adapters/h3.js";
export { csrf } from "./lib/adapters/h3-csrf.js";
export { getSession } from "./lib/adapters/request-sessions.js";
export { currentSession, type IntegrationOptions } from "./lib/adapters/context.js";
