// Type-level tests of `tessera-session/koa`: `npm test` type-checks this file first.
import assert from "node:assert/strict";
import { test } from "node:test";
import Koa, { type DefaultState } from "koa";
import { createMemorySessionStorage } from "./lib/storages/memory.js";
import { session, type SessionContext } from "./koa.js";
import type { Session } from "./lib/session/session.js";

interface Data {
  userId: string;
  count: number;
}
interface Flash {
  notice: string;
}

const storage = createMemorySessionStorage<Data, Flash>({ cookie: { secrets: [process.env.SESSION_SECRET] } });

test("ctx.session carries the storage's data and flash types, in an app typed with SessionContext and after app.use(session(storage))", () => {
  // The app's context type names the session: every middleware of the app sees it.
  const app = new Koa<DefaultState, SessionContext<Data, Flash>>();
  app.use(session(storage));
  app.use((ctx) => {
    ctx.session.regenerateId();
    ctx.session.set("userId", "u1");
    ctx.session.flash("notice", "Welcome");
    const count: number | undefined = ctx.session.get("count");
    const notice: string | undefined = ctx.session.get("notice");
    // @ts-expect-error: a declared key keeps its type
    ctx.session.set("count", "two");
    // @ts-expect-error: an undeclared key does not compile
    ctx.session.set("cart", []);
    // @ts-expect-error: a flash key is not a data key
    ctx.session.set("notice", "x");
    const s: Session<Data, Flash> = ctx.session;
    ctx.body = { count, notice, isNew: s.isNew };
  });

  // Or chained: what `use` returns is typed by the session middleware.
  const chained = new Koa().use(session(storage)).use((ctx) => {
    const count: number | undefined = ctx.session.get("count");
    // @ts-expect-error: the session's type reaches here too
    ctx.session.set("count", "two");
    ctx.body = String(count);
  });

  assert.equal(app.middleware.length, 2);
  assert.equal(chained.middleware.length, 2);
});
