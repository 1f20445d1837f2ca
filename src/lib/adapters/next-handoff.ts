import type { SessionStorage } from "../engine/storage.js";
import { setCookieValue } from "./next-cookies.js";

/** Flash values, by key. */
export type FlashValues = Record<string, unknown>;

/**
 * The request header in which the proxy hands the page it lets through the
 * flash values it consumed, for the page to show them once. The proxy sets
 * or removes it on every request it sees; a client's own is worthless anyway,
 * since only the storage's secrets make one the render accepts.
 */
export const HANDOFF_HEADER = "x-tessera-session-view";

/** How long a handoff is good for: the render follows its proxy within the same request. */
const HANDOFF_TTL_MS = 60_000;

const MARK = "tessera.next.handoff";

interface Handoff {
  mark: typeof MARK;
  /**
   * SHA-256 of the session token the render will see: a handoff is good for
   * that session only, and stays small however large the token (a chunked
   * cookie session's is up to 6 KB).
   */
  token: string;
  at: number;
  flash: FlashValues;
}

/** SHA-256 of `token`, as base64url. */
async function digest(token: string): Promise<string> {
  const hash = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return btoa(String.fromCharCode(...hash)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * `flash`, sealed with the storage's own cookie (its secrets and its name, so
 * a sealed session token never opens as a handoff: it is no `Handoff`). Like a
 * cookie, it holds at most about 3 KB: larger flash values throw `CookieTooLargeError`.
 */
export async function sealHandoff(storage: SessionStorage<any, any>, token: string, flash: FlashValues): Promise<string> {
  const handoff: Handoff = { mark: MARK, token: await digest(token), at: Date.now(), flash };
  return setCookieValue(await storage.cookie.serialize(handoff));
}

/** The flash values in `sealed`, when it is authentic, recent and meant for the session of `token`; else null. */
export async function openHandoff(storage: SessionStorage<any, any>, sealed: string | null | undefined, token: string | undefined): Promise<FlashValues | null> {
  if (!sealed || token === undefined) return null;
  const opened = (await storage.cookie.parse(`${storage.cookie.name}=${sealed}`)) as Partial<Handoff> | null;
  if (opened === null || typeof opened !== "object" || opened.mark !== MARK || opened.token !== (await digest(token))) return null;
  if (typeof opened.at !== "number" || Math.abs(Date.now() - opened.at) > HANDOFF_TTL_MS) return null;
  return opened.flash !== null && typeof opened.flash === "object" ? opened.flash : null;
}
