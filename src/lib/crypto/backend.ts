import { SessionConfigError } from "../errors.js";
import { createNodeBackend } from "./node.js";
import type { CryptoBackend, CryptoKind } from "./types.js";
import { createWebBackend } from "./web.js";

// One instance of each kind per process, so derived keys (cached per backend) and random pools are shared.
let node: CryptoBackend | null | undefined;
let web: CryptoBackend | undefined;

/**
 * The backend of `kind`. Without one: `node:crypto` where the runtime offers it
 * (measured about 8x faster than Web Crypto for HMAC on Node 20), Web Crypto
 * everywhere else. `process.getBuiltinModule` keeps the core free of `node:`
 * imports, so the same build runs on Workers, Deno and Bun.
 */
export function cryptoFor(kind?: CryptoKind | CryptoBackend): CryptoBackend {
  // A backend of the caller's own (tests count calls with one).
  if (typeof kind === "object" && kind !== null) return kind;
  if (kind === "web") return (web ??= createWebBackend());
  if (kind !== undefined && kind !== "node") {
    throw new SessionConfigError(`option crypto is invalid: ${String(kind)}; use "node" or "web", or leave it unset`);
  }
  if (node === undefined) node = createNodeBackend() ?? null;
  if (node) return node;
  if (kind === "node") {
    throw new SessionConfigError('option crypto is "node", but this runtime has no node:crypto; leave it unset to use Web Crypto');
  }
  return (web ??= createWebBackend());
}
