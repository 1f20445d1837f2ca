// `tessera-session/sveltekit`: SvelteKit 2's server `handle` hook (`export const handle = sessionHandle(storage)`,
// then `event.locals.session`, typed through `App.Locals` with `SessionLocals`). Imports only types of @sveltejs/kit.
export { sessionHandle, type SessionLocals } from "./lib/adapters/sveltekit.js";
export { getSession } from "./lib/adapters/request-sessions.js";
export { currentSession, type IntegrationOptions } from "./lib/adapters/context.js";
export type { Session, SessionData } from "./lib/session/session.js";
