// Type-level tests of `tessera-session/fastify`: `npm test` type-checks this file first.
import assert from "node:assert/strict";
import { test } from "node:test";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { createMemorySessionStorage } from "./lib/storages/memory.js";
import { createCookieSessionStorage } from "./lib/engine/cookie-storage.js";
import { session, type RegisteredSession } from "./fastify.js";
import type { Session } from "./lib/session/session.js";

interface Data {
  userId: string;
  count: number;
}
interface Flash {
  notice: string;
}

const storage = createMemorySessionStorage<Data, Flash>({ cookie: { secrets: [process.env.SESSION_SECRET] } });

// What an app writes once: its storage's type becomes the type of `request.session` in every route.
declare module "./fastify.js" {
  interface Register {
    storage: typeof storage;
  }
}

/** Type-checked, never run: the plugin takes only a storage of the registered type, so the typing of `request.session` cannot lie. */
function refused(app: FastifyInstance): void {
  // @ts-expect-error: a storage of another data type
  void app.register(session, { storage: createCookieSessionStorage<{ count: string }>({ cookie: { secrets: [process.env.SESSION_SECRET] } }) });
  // @ts-expect-error: an untyped storage
  void app.register(session, { storage: createCookieSessionStorage({ cookie: { secrets: [process.env.SESSION_SECRET] } }) });
}

test("request.session carries the registered storage's data and flash types in every route", async () => {
  const app = Fastify();
  await app.register(session, { storage });
  app.post("/login", async (request) => {
    request.session.regenerateId();
    request.session.set("userId", "u1");
    request.session.flash("notice", "Welcome");
    const count: number | undefined = request.session.get("count");
    const notice: string | undefined = request.session.get("notice");
    // @ts-expect-error: a declared key keeps its type
    request.session.set("count", "two");
    // @ts-expect-error: an undeclared key does not compile
    request.session.set("cart", []);
    // @ts-expect-error: a flash key is not a data key
    request.session.set("notice", "x");
    const s: Session<Data, Flash> = request.session;
    return { count, notice, isNew: s.isNew };
  });
  const typed: (request: FastifyRequest) => RegisteredSession = (request) => request.session;
  assert.equal(typeof typed, "function");
  assert.equal(typeof refused, "function");
  const res = await app.inject({ method: "POST", url: "/login" });
  assert.deepEqual([res.statusCode, res.json()], [200, { isNew: true }]);
  assert.match(String(res.headers["set-cookie"]), /^__Host-session=/);
  await app.close();
});
