// The framework scenario (test/frameworks/scenario.ts) on a real h3 2 app with `tessera-session/h3`,
// served by node:http through h3's own `toNodeHandler`; then what is h3's own: values of every kind
// a handler returns, HTTPError, h3's cookie helpers, a store failing while saving, `useSession`
// without the middleware, and finding the session through `getSession(event.req)` / `currentSession()`.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { H3, HTTPError, redirect, setCookie, toNodeHandler } from "h3";
import { currentSession, getSession, session, useSession, type SessionContext } from "../../src/h3.js";
import { createCookieSessionStorage } from "../../src/lib/engine/cookie-storage.js";
import { SessionStoreError } from "../../src/lib/errors.js";
import { withSave } from "./save-double.js";
import { COOKIE_NAME, frameworkScenario, SCENARIO_OPTIONS, serving, type AppData, type AppFlash, type AppStorage } from "./scenario.js";

declare module "h3" {
  interface H3EventContext extends SessionContext<AppData, AppFlash> {}
}

/** An h3 app that does not log the errors the tests provoke. */
const h3 = () => new H3({ silent: true });

/** The scenario's routes (test/frameworks/scenario.ts, `FrameworkApp`) on `app`. */
function scenarioRoutes(app: H3): H3 {
  return app
    .get("/count", (event) => {
      const s = useSession(event);
      s.set("count", (s.get("count") ?? 0) + 1);
      return String(s.get("count"));
    })
    .get("/peek", (event) => ({ count: useSession(event).get("count") ?? null }))
    .post("/signin", (event) => {
      const s = useSession(event);
      s.regenerateId();
      s.set("userId", "ann");
      s.flash("notice", "Welcome ann");
      return redirect("/", 303);
    })
    .get("/", (event) => ({ user: useSession(event).get("userId") ?? null, notice: useSession(event).get("notice") ?? null }))
    .get("/fail", (event) => {
      useSession(event).set("count", 999);
      throw new Error("route failed");
    })
    .post("/signout", (event) => {
      useSession(event).destroy();
      return redirect("/", 303);
    });
}

async function listen(app: H3) {
  const server = createServer(toNodeHandler(app)).listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
}

frameworkScenario("h3 2", async ({ storage }) => listen(scenarioRoutes(h3().use(session(storage)))));


const cookieStorage = (): AppStorage => createCookieSessionStorage<AppData, AppFlash>(SCENARIO_OPTIONS);
const sessionCookie = (res: Response) => res.headers.getSetCookie().find((line) => line.startsWith(`${COOKIE_NAME}=`));
const pair = (res: Response) => sessionCookie(res)!.split(";")[0]!;

describe("h3 specifics", () => {
  test("whatever a handler returns, the response carries the cookie: text, JSON, a Response, a redirect, nothing", async () => {
    const app = h3().use(session(cookieStorage()));
    const touch = (event: Parameters<typeof useSession>[0]) => useSession(event).set("count", 1);
    app.get("/text", (event) => (touch(event), "hi"));
    app.get("/json", (event) => (touch(event), { hi: true }));
    app.get("/response", (event) => (touch(event), new Response("raw", { status: 201, headers: { "x-app": "1" } })));
    app.get("/redirect", (event) => (touch(event), redirect("/there")));
    app.get("/empty", (event) => void touch(event));
    await serving(listen(app), async (url) => {
      const seen = [];
      for (const path of ["/text", "/json", "/response", "/redirect", "/empty"]) {
        const res = await fetch(url + path, { redirect: "manual" });
        const body = res.headers.get("location") ? `-> ${res.headers.get("location")}` : await res.text();
        seen.push([path, res.status, body, !!sessionCookie(res), res.headers.get("cache-control")]);
      }
      assert.deepEqual(seen, [
        ["/text", 200, "hi", true, "no-store"],
        ["/json", 200, '{"hi":true}', true, "no-store"],
        ["/response", 201, "raw", true, "no-store"],
        ["/redirect", 302, "-> /there", true, "no-store"],
        ["/empty", 200, "", true, "no-store"],
      ]);
    });
  });

  test("an HTTPError thrown by a handler keeps its status and saves nothing; a 4xx answered as a value is saved", async () => {
    const app = h3().use(session(cookieStorage()));
    scenarioRoutes(app);
    app.get("/unauthorized", (event) => {
      useSession(event).set("count", 999);
      throw new HTTPError({ status: 401, message: "sign in first" });
    });
    app.get("/gone", (event) => {
      useSession(event).set("count", 50);
      return new Response("gone", { status: 410 });
    });
    await serving(listen(app), async (url) => {
      const cookie = pair(await fetch(url + "/count"));
      const unauthorized = await fetch(url + "/unauthorized", { headers: { cookie } });
      assert.deepEqual([unauthorized.status, (await unauthorized.json()).message, sessionCookie(unauthorized)], [401, "sign in first", undefined]);
      assert.equal(await (await fetch(url + "/count", { headers: { cookie } })).text(), "2");
      const gone = await fetch(url + "/gone", { headers: { cookie } });
      assert.deepEqual([gone.status, !!sessionCookie(gone)], [410, true]);
      assert.equal(await (await fetch(url + "/count", { headers: { cookie: pair(gone) } })).text(), "51");
    });
  });

  test("h3's own setCookie and the session cookie both reach the client; the app's Cache-Control and Vary are kept", async () => {
    const app = h3().use(session(cookieStorage()));
    app.get("/", (event) => {
      setCookie(event, "theme", "dark");
      event.res.headers.set("cache-control", "private, max-age=10");
      event.res.headers.set("vary", "Accept");
      useSession(event).set("count", 1);
      return "ok";
    });
    await serving(listen(app), async (url) => {
      const res = await fetch(url);
      assert.deepEqual(res.headers.getSetCookie().map((line) => line.split("=")[0]).sort(), [COOKIE_NAME, "theme"].sort());
      assert.deepEqual([res.headers.get("cache-control"), res.headers.get("vary")], ["private, max-age=10", "Accept, Cookie"]);
    });
  });

  test("the app's onResponse hook runs once a request, on the response that carries the session cookie", async () => {
    const seen: Array<string | undefined> = [];
    const app = new H3({ silent: true, onResponse: (response) => void seen.push(sessionCookie(response)?.split("=")[0]) });
    app.use(session(cookieStorage()));
    app.get("/", (event) => (useSession(event).set("count", 1), "ok"));
    await serving(listen(app), async (url) => {
      const res = await fetch(url);
      assert.equal(await res.text(), "ok");
      assert.deepEqual(seen, [COOKIE_NAME]);
    });
  });

  test("a store that fails while saving: 503, what the handler set dropped, no cookie", async () => {
    const failing = withSave(cookieStorage(), () => Promise.reject(new SessionStoreError("the session store cannot be reached")));
    const app = h3().use(session(failing));
    app.get("/", (event) => {
      useSession(event).set("count", 1);
      setCookie(event, "theme", "dark");
      return new Response("ok", { headers: { "x-app": "1" } });
    });
    await serving(listen(app), async (url) => {
      const res = await fetch(url);
      assert.deepEqual([res.status, res.headers.get("retry-after"), res.headers.get("x-app"), res.headers.getSetCookie()], [503, "5", null, []]);
      assert.match(await res.text(), /session store cannot be reached/);
    });
  });

  test("useSession(event) without the middleware is a clear error (h3 answers 500), not an undefined session", async () => {
    const app = h3();
    let message = "";
    app.get("/", (event) => {
      try {
        return useSession(event).get("count") ?? "none";
      } catch (error) {
        message = (error as Error).message;
        throw error;
      }
    });
    await serving(listen(app), async (url) => {
      assert.equal((await fetch(url)).status, 500);
      assert.match(message, /no session\(\) middleware ran for this request/);
    });
  });

  test("getSession(event.req) and currentSession() find the same session anywhere below the middleware", async () => {
    const app = h3().use(session(cookieStorage()));
    app.get("/", async (event) => {
      await new Promise((r) => setImmediate(r));
      const byRequest = await getSession<AppData, AppFlash>(event.req);
      const byContext = await currentSession<AppData, AppFlash>();
      byContext.set("count", 5);
      return { same: byRequest === useSession(event) && byContext === byRequest };
    });
    await serving(listen(app), async (url) => {
      const res = await fetch(url);
      assert.deepEqual([await res.json(), !!sessionCookie(res)], [{ same: true }, true]);
    });
  });
});
