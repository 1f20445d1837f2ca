import { NextResponse } from "next/server.js";
import { CookieTooLargeError, SessionStoreError } from "../errors.js";
import type { SessionStorage } from "../engine/storage.js";
import type { Session } from "../session/session.js";
import { putOwn } from "../util/own.js";
import { commitHeaders, type ResponseHeader } from "./commit-policy.js";
import { originOf, unavailableResponse, withHeaders } from "./fetch-response.js";
import { afterSetCookie } from "./next-cookies.js";
import { HANDOFF_HEADER, sealHandoff, type FlashValues } from "./next-handoff.js";
import type { TransportOptions } from "./secure-origin.js";

/**
 * A request whose page will be shown: a document load (`Sec-Fetch-Dest:
 * document`, not a browser's prefetch), or the page a Server Action redirects
 * to, which Next renders into the action's own response (`x-action-redirect`).
 * Next strips `RSC` and `Next-Router-Prefetch` from what the proxy sees, so an
 * App Router navigation looks like its prefetch, which may never be shown:
 * neither consumes the flash (it is shown, and stays: shown again rather than lost).
 */
function showsPage(request: Request): boolean {
  const h = request.headers;
  if (request.method !== "GET" || /prefetch/i.test(h.get("sec-purpose") ?? h.get("purpose") ?? "")) return false;
  return h.get("sec-fetch-dest") === "document" || h.has("x-action-redirect");
}

/** The flash values of `before` (a session's values as read): those that the saved session no longer shows as they were. */
function consumedFlash(before: Record<string, unknown>, after: Session<any, any>): FlashValues {
  const now = after.toJSON().data;
  const flash: FlashValues = {};
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(now, key) || JSON.stringify(now[key]) !== JSON.stringify(before[key])) putOwn(flash, key, before[key]);
  }
  return flash;
}

/**
 * The proxy (Next 16's `proxy.ts`, Next 15's `middleware.ts`): for each request
 * it lets through, the sliding refresh when it is due, and, for a page
 * navigation, the flash values consumed and handed to that page's render,
 * which shows them this once. The page sees the refreshed cookie already.
 * Other methods pass untouched (Route Handlers and Server Actions save their own).
 */
export function proxyHelper<Data, FlashData>(storage: () => SessionStorage<Data, FlashData>, options: TransportOptions) {
  return async (request: Request): Promise<Response> => {
    const s = storage();
    // Only a handoff made below reaches the page: a client's own is dropped.
    let forwarded: Headers | null = null;
    const headers = () => (forwarded ??= new Headers(request.headers));
    if (request.headers.has(HANDOFF_HEADER)) headers().delete(HANDOFF_HEADER);
    if (s.transport.kind !== "cookie" || (request.method !== "GET" && request.method !== "HEAD")) return pass(forwarded, null);
    try {
      const session = await s.read(request);
      const navigation = showsPage(request);
      const before = session.toJSON().data;
      let hadFlash = false;
      if (navigation) {
        // Right after a read, `dirty` means: flash values taken from the store, unread. After
        // `entries()` (which reads them all), it means: flash values read, to be removed.
        const takenUnread = session.dirty;
        session.entries();
        hadFlash = takenUnread || session.dirty;
      }
      const out = await commitHeaders(s, session, { status: 200, header: () => null }, () => originOf(request), options);
      // The page sees the cookies the browser is about to get (a chunked session's several lines, each).
      const issued = out?.filter((h) => h.name === s.transport.responseHeader) ?? [];
      const cookie = issued.reduce<string | null>((header, line) => afterSetCookie(header, line.value), request.headers.get("cookie"));
      if (issued.length > 0) headers().set("cookie", cookie ?? "");
      const token = s.transport.token(cookie);
      if (hadFlash && token) {
        const after = await s.read(cookie);
        const flash = consumedFlash(before, after);
        // A flash value set meanwhile, taken by this read: put back.
        if (after.dirty) await s.save(after);
        headers().set(HANDOFF_HEADER, await sealHandoff(s, token, flash).catch(tooLarge));
      }
      return pass(forwarded, out);
    } catch (error) {
      if (error instanceof SessionStoreError) return unavailableResponse();
      throw error;
    }
  };
}

/** Flash values too large for a handoff (over about 3 KB, like a cookie) reach no page: they are consumed all the same. */
function tooLarge(error: unknown): string {
  if (!(error instanceof CookieTooLargeError)) throw error;
  console.warn("tessera: flash values over about 3 KB cannot be handed to the page by the proxy: keep flash messages short");
  return "";
}

/** Lets the request through to the page (with `forwarded` as its headers, when they changed), and `out` on the response. */
function pass(forwarded: Headers | null, out: ResponseHeader[] | null): Response {
  const response = forwarded ? NextResponse.next({ request: { headers: forwarded } }) : NextResponse.next();
  return out ? withHeaders(response, out) : response;
}
