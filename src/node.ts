// `tessera/node`: session middleware for node:http, Express and Connect (Node only).
export { session, type SessionRequest } from "./integrations/node.js";
export { currentSession, type IntegrationOptions } from "./integrations/context.js";
