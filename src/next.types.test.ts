// Type-level tests of `tessera-session/next`: `npm test` type-checks this file first; the test
// below then runs the Route Handler and the proxy it typed, outside Next (neither needs its request scope).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { NextRequest } from "next/server.js";
import { createCookieSessionStorage } from "./lib/engine/cookie-storage.js";
import type { Session } from "./lib/session/session.js";
import { nextSession, type NextSessions, type ReadonlySession } from "./next.js";

interface Data {
  userId: string;
  count: number;
}
interface Flash {
  notice: string;
}

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";

test("the storage's data type reaches getSession(), route() and action(); the Route Handler and the proxy run", async () => {
  // A function is called on the first request: `next build` connects to nothing.
  const session = nextSession(() => createCookieSessionStorage<Data, Flash>({ cookie: { secrets: [SECRET] } }));
  const typed: NextSessions<Data, Flash> = session;

  const GET = session.route(async (s, request, context: { params: Promise<{ id: string }> }) => {
    const count: number | undefined = s.get("count");
    s.set("count", (count ?? 0) + 1);
    const mistakes = () => {
      // @ts-expect-error: a declared key keeps its type
      s.set("count", "two");
      // @ts-expect-error: no such key
      s.get("cart");
      // @ts-expect-error: a flash key is no data key
      s.set("notice", "hi");
    };
    void mistakes;
    s.flash("notice", `hello from ${new URL(request.url).pathname}`);
    return Response.json({ id: (await context.params).id, count: s.get("count") });
  });
  // What Next checks a Route Handler's export against.
  const asExport: (request: NextRequest, context: { params: Promise<{ id: string }> }) => Promise<Response> = GET;

  const signIn = session.action(async (s, form: FormData) => {
    s.regenerateId();
    s.set("userId", String(form.get("name")));
    return s.get("userId");
  });
  const result: Promise<string | undefined> = signIn(new FormData());
  void result.catch(() => {}); // outside a Next request `cookies()` throws: only the type matters here
  // @ts-expect-error: the action's own arguments are checked
  void signIn("ann").catch(() => {});

  async function ServerComponent(): Promise<string> {
    const view: ReadonlySession<Data, Flash> = await session.getSession();
    const notice: string | undefined = view.get("notice");
    // @ts-expect-error: a Server Component cannot change the session (Next lets it set no cookie)
    view.set("count", 1);
    // @ts-expect-error: nor end it
    view.destroy();
    // @ts-expect-error: the view is not a Session
    const s: Session<Data, Flash> = view;
    return `${notice ?? ""}${String(s)}`;
  }
  void ServerComponent;

  const response = await asExport(new Request("http://127.0.0.1/items/7") as NextRequest, { params: Promise.resolve({ id: "7" }) });
  assert.deepEqual(await response.json(), { id: "7", count: 1 });
  const setCookie = response.headers.get("set-cookie");
  assert.match(setCookie ?? "", /^__Host-session=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  assert.equal(response.headers.get("cache-control"), "no-store");

  // The proxy lets the request through (Next's "next" marker), the refreshed cookie untouched here.
  const cookie = setCookie!.split(";")[0]!;
  const passed = await typed.proxy(new Request("http://127.0.0.1/", { headers: { cookie, "sec-fetch-dest": "document" } }));
  assert.equal(passed.headers.get("x-middleware-next"), "1");
  assert.match(passed.headers.get("x-middleware-request-x-tessera-session-view") ?? "", /./, "the page gets the flash it consumed");
  assert.match(passed.headers.get("set-cookie") ?? "", /^__Host-session=/, "and the browser a cookie without it");
});
