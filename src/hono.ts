// `tessera-session/hono`: Hono middleware (`app.use(session(storage))`, then `c.get("session")`).
export { session, type SessionEnv } from "./lib/adapters/hono.js";
export { csrf } from "./lib/adapters/hono-csrf.js";
export { getSession } from "./lib/adapters/request-sessions.js";
export { currentSession, type IntegrationOptions } from "./lib/adapters/context.js";
