// Type-level tests of `tessera-session/sveltekit`: `npm test` type-checks this file first; the test
// below then calls the hook it typed with a hand-made event (the real app is test/frameworks/sveltekit.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Handle, RequestEvent, RequestHandler } from "@sveltejs/kit";
import { createCookieSessionStorage } from "./lib/engine/cookie-storage.js";
import type { Session } from "./lib/session/session.js";
import { sessionHandle, type SessionLocals } from "./sveltekit.js";

interface Data {
  userId: string;
  count: number;
}
interface Flash {
  notice: string;
}

// What an app writes in src/app.d.ts: the one place SvelteKit lets `event.locals` be typed.
declare global {
  namespace App {
    interface Locals extends SessionLocals<Data, Flash> {}
  }
}

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";

test("through App.Locals, the storage's data and flash types reach event.locals.session in endpoints and hooks", async () => {
  const handle: Handle = sessionHandle(createCookieSessionStorage<Data, Flash>({ cookie: { secrets: [SECRET] } }));

  const GET: RequestHandler = ({ locals }) => {
    const count: number | undefined = locals.session.get("count");
    locals.session.set("count", (count ?? 0) + 1);
    locals.session.flash("notice", "counted");
    const mistakes = () => {
      // @ts-expect-error: a declared key keeps its type
      locals.session.set("count", "two");
      // @ts-expect-error: an undeclared key does not compile
      locals.session.set("cart", []);
      // @ts-expect-error: a flash key is not a data key
      locals.session.set("notice", "x");
      // @ts-expect-error: a flash value keeps its type
      locals.session.flash("notice", 1);
    };
    void mistakes;
    const s: Session<Data, Flash> = locals.session;
    return new Response(String(s.get("count")));
  };

  // The hook's own options are checked.
  // @ts-expect-error: no such option
  sessionHandle(createCookieSessionStorage<Data, Flash>({ cookie: { secrets: [SECRET] } }), { trustProxi: true });

  const event = { request: new Request("http://localhost/count"), locals: {} } as RequestEvent;
  const response = await handle({ event, resolve: (e) => GET(e) });
  assert.equal(await response.text(), "1");
  assert.match(response.headers.get("set-cookie") ?? "", /^__Host-session=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  assert.equal(response.headers.get("cache-control"), "no-store");
});
