// A storage whose `save` the test chooses (a store that fails while saving, a counter of saves), for
// the framework tests of Fastify and Koa. Built member by member: a copy by spread would carry the
// storage's immediate `save` (src/lib/engine/immediate.ts) along, which the adapters call instead.
import type { Session } from "../../src/lib/session/session.js";
import type { AppData, AppFlash, AppStorage } from "./scenario.js";

export function withSave(inner: AppStorage, save: (session: Session<AppData, AppFlash>) => Promise<string | null>): AppStorage {
  return {
    cookie: inner.cookie,
    transport: inner.transport,
    read: (input) => inner.read(input),
    save,
    getSession: (header) => inner.getSession(header),
    commitSession: (session) => inner.commitSession(session),
    destroySession: (session) => inner.destroySession(session),
  };
}
