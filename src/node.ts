// `tessera/node`: session middleware for node:http, Express and Connect (Node only).
export { session, type SessionRequest } from "./lib/adapters/node.js";
export { csrf } from "./lib/adapters/node-csrf.js";
export { currentSession, type IntegrationOptions } from "./lib/adapters/context.js";
