// `tessera-session/fetch`: sessions for any (request) => Response handler.
// (`session`, the Hono middleware, is deprecated here: import it from `tessera-session/hono`.)
export { verifyCsrf } from "./lib/adapters/csrf-fetch.js";
export { withSession, getSession, session } from "./lib/adapters/fetch.js";
export { currentSession, type IntegrationOptions } from "./lib/adapters/context.js";
