import type { CryptoBackend } from "./types.js";

/**
 * What a browser build gets in place of node.ts (package.json `browser`): no
 * `node:crypto` there, so none of its code either; Web Crypto serves.
 */
export function createNodeBackend(): CryptoBackend | undefined {
  return undefined;
}
