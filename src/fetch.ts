// `tessera-session/fetch`: sessions for any (request) => Response handler.
// (`session`, the Hono middleware, is deprecated here: import it from `tessera-session/hono`.)
export { withSession, getSession, session } from "./lib/adapters/fetch.js";
export { currentSession, type IntegrationOptions } from "./lib/adapters/context.js";
