// The framework scenario (test/frameworks/scenario.ts) on a real Hono 4 app with `tessera-session/hono`,
// served by @hono/node-server; then what is Hono's own: a handler that returns an immutable Response
// with headers of its own (a proxied upstream), and an HTTPException.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { session, type SessionEnv } from "../../src/hono.js";
import { createCookieSessionStorage } from "../../src/lib/engine/cookie-storage.js";
import { serveFetch } from "../helpers.js";
import { COOKIE_NAME, frameworkScenario, SCENARIO_OPTIONS, serving, type AppData, type AppFlash, type AppStorage } from "./scenario.js";

type Env = SessionEnv<AppData, AppFlash>;

/** The scenario's routes (test/frameworks/scenario.ts, `FrameworkApp`). */
function scenarioApp(storage: AppStorage): Hono<Env> {
  const app = new Hono<Env>();
  app.use(session(storage));
  app.onError((_error, c) => c.text("failed", 500));
  return app
    .get("/count", (c) => {
      const s = c.get("session");
      s.set("count", (s.get("count") ?? 0) + 1);
      return c.text(String(s.get("count")));
    })
    .get("/peek", (c) => c.json({ count: c.get("session").get("count") ?? null }))
    .post("/signin", (c) => {
      const s = c.get("session");
      s.regenerateId();
      s.set("userId", "ann");
      s.flash("notice", "Welcome ann");
      return c.redirect("/", 303);
    })
    .get("/", (c) => c.json({ user: c.get("session").get("userId") ?? null, notice: c.get("session").get("notice") ?? null }))
    .get("/fail", (c) => {
      c.get("session").set("count", 999);
      throw new Error("route failed");
    })
    .post("/signout", (c) => {
      c.get("session").destroy();
      return c.redirect("/", 303);
    });
}

frameworkScenario("Hono 4", async ({ storage }) => serveFetch(scenarioApp(storage).fetch));

const cookieStorage = (): AppStorage => createCookieSessionStorage<AppData, AppFlash>(SCENARIO_OPTIONS);
const pair = (res: Response) => res.headers.getSetCookie().find((line) => line.startsWith(`${COOKIE_NAME}=`))?.split(";")[0];

describe("Hono specifics", () => {
  test("a handler that returns fetch()'s immutable Response with its own Set-Cookie and Vary: both cookies, both Vary values", async () => {
    const upstream = await serveFetch(() => new Response("upstream", { headers: [["set-cookie", "up=1; Path=/"], ["vary", "Accept-Encoding"]] }));
    const app = new Hono<Env>().use(session(cookieStorage()));
    app.get("/proxy", async (c) => {
      c.get("session").set("count", 7);
      return fetch(upstream.url);
    });
    app.get("/peek", (c) => c.text(String(c.get("session").get("count"))));
    try {
      await serving(serveFetch(app.fetch), async (url) => {
        const res = await fetch(`${url}/proxy`);
        assert.equal(await res.text(), "upstream");
        assert.deepEqual(res.headers.getSetCookie().map((line) => line.split("=")[0]), ["up", COOKIE_NAME]);
        assert.deepEqual(res.headers.get("vary")?.split(", ").sort(), ["Accept-Encoding", "Cookie"]);
        assert.equal(await (await fetch(`${url}/peek`, { headers: { cookie: pair(res)! } })).text(), "7");
      });
    } finally {
      await upstream.close();
    }
  });

  test("a handler that throws an HTTPException (a 403) saves nothing, as any handler that throws", async () => {
    const app = new Hono<Env>().use(session(cookieStorage()));
    app.get("/count", (c) => {
      const s = c.get("session");
      s.set("count", (s.get("count") ?? 0) + 1);
      return c.text(String(s.get("count")));
    });
    app.get("/forbidden", (c) => {
      c.get("session").set("count", 999);
      throw new HTTPException(403, { message: "no" });
    });
    await serving(serveFetch(app.fetch), async (url) => {
      const first = await fetch(`${url}/count`);
      assert.equal(await first.text(), "1");
      const cookie = pair(first)!;
      const forbidden = await fetch(`${url}/forbidden`, { headers: { cookie } });
      assert.equal(forbidden.status, 403);
      assert.equal(pair(forbidden), undefined);
      assert.equal(await (await fetch(`${url}/count`, { headers: { cookie } })).text(), "2");
    });
  });
});
