// `tessera/node`: session middleware for node:http, Express and Connect (Node only).
export { session, type SessionRequest } from "./integrations/node.js";
export { currentSession } from "./integrations/context.js";
