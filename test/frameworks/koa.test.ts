// The framework scenario (test/frameworks/scenario.ts) on a real Koa 3 app with `tessera-session/koa`,
// then what is Koa's own: errors going on up, redirects, Koa's own cookies, a store failing while saving,
// a response written around Koa, and `currentSession()`.
import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import Koa, { type DefaultState, type Middleware } from "koa";
import { currentSession, session, type SessionContext } from "../../src/koa.js";
import { createCookieSessionStorage } from "../../src/lib/engine/cookie-storage.js";
import { SessionStoreError } from "../../src/lib/errors.js";
import { withSave } from "./save-double.js";
import { COOKIE_NAME, frameworkScenario, SCENARIO_OPTIONS, serving, type AppData, type AppFlash, type AppStorage } from "./scenario.js";

type App = Koa<DefaultState, SessionContext<AppData, AppFlash>>;
type Route = Middleware<DefaultState, SessionContext<AppData, AppFlash>>;

/** A router of one table: `"GET /path"` to its middleware (Koa has none of its own). */
function routes(table: Record<string, Route>): Route {
  return (ctx, next) => {
    const route = table[`${ctx.method} ${ctx.path}`];
    return route ? route(ctx, next) : next();
  };
}

/** The scenario's routes (test/frameworks/scenario.ts, `FrameworkApp`). */
const scenarioRoutes = routes({
  "GET /count": (ctx) => {
    ctx.session.set("count", (ctx.session.get("count") ?? 0) + 1);
    ctx.body = String(ctx.session.get("count"));
  },
  "GET /peek": (ctx) => void (ctx.body = { count: ctx.session.get("count") ?? null }),
  "POST /signin": (ctx) => {
    ctx.session.regenerateId();
    ctx.session.set("userId", "ann");
    ctx.session.flash("notice", "Welcome ann");
    ctx.status = 303;
    ctx.redirect("/");
  },
  "GET /": (ctx) => void (ctx.body = { user: ctx.session.get("userId") ?? null, notice: ctx.session.get("notice") ?? null }),
  "GET /fail": (ctx) => {
    ctx.session.set("count", 999);
    throw new Error("route failed");
  },
  "POST /signout": (ctx) => {
    ctx.session.destroy();
    ctx.status = 303;
    ctx.redirect("/");
  },
});

/** A Koa app that does not log the errors the tests provoke. */
function koa(): App {
  const app: App = new Koa();
  app.silent = true;
  return app;
}

async function listen(app: App) {
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
}

frameworkScenario("Koa 3", async ({ storage }) => {
  const app = koa();
  app.use(session(storage));
  app.use(scenarioRoutes);
  return listen(app);
});


const cookieStorage = (): AppStorage => createCookieSessionStorage<AppData, AppFlash>(SCENARIO_OPTIONS);
const sessionCookie = (res: Response) => res.headers.getSetCookie().find((line) => line.startsWith(`${COOKIE_NAME}=`));
const pair = (res: Response) => sessionCookie(res)!.split(";")[0]!;

describe("Koa specifics", () => {
  test("an error thrown downstream goes on up through the middleware and nothing is saved (ctx.throw(401) too)", async () => {
    const app = koa();
    const caught: unknown[] = [];
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        caught.push(error);
        throw error;
      }
    });
    app.use(session(cookieStorage()));
    app.use(scenarioRoutes);
    app.use(
      routes({
        "GET /unauthorized": (ctx) => {
          ctx.session.set("count", 999);
          ctx.throw(401, "sign in first");
        },
      }),
    );
    await serving(listen(app), async (url) => {
      const cookie = pair(await fetch(url + "/count"));
      const failed = await fetch(url + "/fail", { headers: { cookie } });
      const unauthorized = await fetch(url + "/unauthorized", { headers: { cookie } });
      assert.deepEqual([failed.status, sessionCookie(failed)], [500, undefined]);
      assert.deepEqual([unauthorized.status, await unauthorized.text(), sessionCookie(unauthorized)], [401, "sign in first", undefined]);
      assert.deepEqual(caught.map((e) => (e as Error).message), ["route failed", "sign in first"]);
      assert.equal(await (await fetch(url + "/count", { headers: { cookie } })).text(), "2");
    });
  });

  test("a redirect carries the cookie (ctx.redirect's own 302 as well as the scenario's 303), and so does a streamed body", async () => {
    const app = koa();
    app.use(session(cookieStorage()));
    app.use(
      routes({
        "GET /go": (ctx) => {
          ctx.session.set("count", 1);
          ctx.redirect("/there");
        },
        "GET /stream": (ctx) => {
          ctx.session.set("count", 1);
          ctx.body = Readable.from(["a", "b"]);
        },
      }),
    );
    await serving(listen(app), async (url) => {
      const res = await fetch(url + "/go", { redirect: "manual" });
      assert.deepEqual([res.status, res.headers.get("location"), !!sessionCookie(res)], [302, "/there", true]);
      assert.equal(res.headers.get("cache-control"), "no-store");
      const streamed = await fetch(url + "/stream");
      assert.deepEqual([streamed.status, await streamed.text(), !!sessionCookie(streamed)], [200, "ab", true]);
    });
  });

  test("Koa's own ctx.cookies and the session cookie both reach the client, whoever sets first", async () => {
    const app = koa();
    app.use(async (ctx, next) => {
      await next();
      ctx.cookies.set("after", "1", { signed: false });
    });
    app.use(session(cookieStorage()));
    app.use((ctx) => {
      ctx.cookies.set("before", "1", { signed: false });
      ctx.session.set("count", 1);
      ctx.body = "ok";
    });
    await serving(listen(app), async (url) => {
      const names = (await fetch(url)).headers.getSetCookie().map((line) => line.split("=")[0]);
      assert.deepEqual(names.sort(), ["after", "before", COOKIE_NAME].sort());
    });
  });

  test("a store that fails while saving: 503, what the handler set dropped, no cookie, the app told through 'error'", async () => {
    const failing = withSave(cookieStorage(), () => Promise.reject(new SessionStoreError("the session store cannot be reached")));
    const app = koa();
    const reported: unknown[] = [];
    app.on("error", (error) => reported.push(error));
    app.use(session(failing));
    app.use((ctx) => {
      ctx.session.set("count", 1);
      ctx.set("x-app", "1");
      ctx.cookies.set("theme", "dark", { signed: false });
      ctx.body = { ok: true };
    });
    await serving(listen(app), async (url) => {
      const res = await fetch(url);
      assert.equal(res.status, 503);
      assert.deepEqual([res.headers.get("retry-after"), res.headers.get("x-app"), res.headers.getSetCookie()], ["5", null, []]);
      assert.match(await res.text(), /session store cannot be reached/);
      assert.equal(reported.length, 1);
      assert.ok(reported[0] instanceof SessionStoreError);
    });
  });

  test("a response written around Koa (its head already sent) is left alone, and nothing is saved", async () => {
    let saves = 0;
    const inner = cookieStorage();
    const counting = withSave(inner, (current) => (saves++, inner.save(current)));
    const app = koa();
    app.use(session(counting));
    app.use((ctx) => {
      ctx.session.set("count", 1);
      ctx.respond = false;
      ctx.res.writeHead(200, { "content-type": "text/plain" }).end("raw");
    });
    await serving(listen(app), async (url) => {
      const res = await fetch(url);
      assert.deepEqual([res.status, await res.text(), sessionCookie(res), saves], [200, "raw", undefined, 0]);
    });
  });

  test("currentSession() finds the session anywhere downstream", async () => {
    const app = koa();
    app.use(session(cookieStorage()));
    app.use(async (ctx) => {
      await new Promise((r) => setImmediate(r));
      const found = await currentSession<AppData, AppFlash>();
      found.set("count", 5);
      ctx.body = { same: found === ctx.session };
    });
    await serving(listen(app), async (url) => {
      const res = await fetch(url);
      assert.deepEqual([await res.json(), !!sessionCookie(res)], [{ same: true }, true]);
    });
  });
});
