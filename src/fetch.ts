// `tessera/fetch`: sessions for any (request) => Response handler, and Hono.
export { withSession, session, getSession } from "./integrations/fetch.js";
export { currentSession, type IntegrationOptions } from "./integrations/context.js";
