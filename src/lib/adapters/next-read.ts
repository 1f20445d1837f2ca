import { cookies, headers } from "next/headers.js";
import type { SessionStorage } from "../engine/storage.js";
import { putOwn } from "../util/own.js";
import { requestToken, type NextCookieStore, type NextHeaderStore } from "./next-cookies.js";
import { HANDOFF_HEADER, openHandoff } from "./next-handoff.js";
import { snapshotOf, viewOf, type ReadonlySession } from "./next-view.js";

/**
 * `getSession()` for Server Components (and anywhere else in a request): the
 * session, read once per request however many components ask (two reads could
 * race for a flash value a store hands out as it reads), and never changed.
 */
export function readonlyReader<Data, FlashData>(storage: () => SessionStorage<Data, FlashData>): () => Promise<ReadonlySession<Data, FlashData>> {
  // Next keeps one cookie store a request (a new one once a Server Action has set a cookie).
  const views = new WeakMap<object, Promise<ReadonlySession<Data, FlashData>>>();
  return async () => {
    const [cookieStore, headerStore] = await Promise.all([cookies(), headers()]);
    let view = views.get(cookieStore);
    if (!view) {
      view = readView(storage(), cookieStore as NextCookieStore, headerStore);
      views.set(cookieStore, view);
    }
    return view;
  };
}

/**
 * The session of this request as a read-only view. Nothing a render does is a
 * write, with one exception that keeps a flash value from being lost: a store
 * that hands flash values out as it reads them (memory, Redis) has just taken
 * them, and they are put back, unread. The `Set-Cookie` that save may return is
 * dropped (a render cannot send one): the sliding refresh waits for the proxy,
 * a Route Handler or a Server Action. Flash values the proxy consumed for this
 * very page come in its handoff, and show here.
 */
async function readView<Data, FlashData>(
  storage: SessionStorage<Data, FlashData>,
  cookieStore: NextCookieStore,
  headerStore: NextHeaderStore,
): Promise<ReadonlySession<Data, FlashData>> {
  const { input, token } = requestToken(storage, cookieStore, headerStore);
  const [session, handedOff] = await Promise.all([storage.read(input), openHandoff(storage, headerStore.get(HANDOFF_HEADER), token)]);
  const snapshot = snapshotOf(session);
  // Right after a read, `dirty` means exactly this: flash values taken from the store and not yet read.
  if (session.dirty) await storage.save(session);
  if (handedOff) for (const key of Object.keys(handedOff)) putOwn(snapshot.data, key, handedOff[key]);
  return viewOf<Data, FlashData>(snapshot);
}
