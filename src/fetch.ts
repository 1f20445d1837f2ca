// `tessera/fetch`: sessions for any (request) => Response handler, and Hono.
export { withSession, session, getSession } from "./lib/adapters/fetch.js";
export { currentSession, type IntegrationOptions } from "./lib/adapters/context.js";
