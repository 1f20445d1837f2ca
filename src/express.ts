// `tessera-session/express`: the `tessera-session/node` middleware, with `req.session` typed on
// Express's `Request` in every route. Importing this entry is the opt-in to that typing (Node only).
import type { Session } from "./lib/session/session.js";

export { session, type SessionRequest } from "./lib/adapters/node.js";
export { csrf } from "./lib/adapters/node-csrf.js";
export { currentSession, type IntegrationOptions } from "./lib/adapters/context.js";

/**
 * The data of `req.session`. Any key by default; name yours by merging into it:
 *
 * ```ts
 * declare module "tessera-session/express" {
 *   interface ExpressSessionData { userId: string; cart: string[] }
 * }
 * ```
 */
export interface ExpressSessionData {
  [key: string]: unknown;
}

declare global {
  // Express declares its request type in this namespace for exactly this kind of merging.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The request's tessera session (from `app.use(session(storage))`). With
       * `@types/express-session` also installed, keep `skipLibCheck` on (tsc --init's
       * default): both declare `req.session`, and this import, coming first, wins.
       */
      session: Session<ExpressSessionData>;
    }
  }
}
