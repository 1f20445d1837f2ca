// `tessera-session/fastify`: the Fastify 5 plugin (`app.register(session, { storage })`, then
// `request.session`), typed with the storage an app names in `Register` (Node only).
export { session, type Register, type RegisteredStorage, type RegisteredSession, type FastifySessionOptions } from "./lib/adapters/fastify.js";
export { currentSession, type IntegrationOptions } from "./lib/adapters/context.js";
export { csrf } from "./lib/adapters/fastify-csrf.js";
