// `tessera-session/koa`: Koa 3 middleware (`app.use(session(storage))`, then `ctx.session`), typed
// through Koa's context parameter (`SessionContext`), not a global augmentation (Node only).
export { session, type SessionContext } from "./lib/adapters/koa.js";
export { currentSession, type IntegrationOptions } from "./lib/adapters/context.js";
export { csrf } from "./lib/adapters/koa-csrf.js";
