import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Hono } from "hono";
import { Jar, SECRET_A, serveFetch } from "../../../test/helpers.js";
import { lines, runScript } from "../../../test/isolated.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { createSessionStorage } from "../engine/id-storage.js";
import { createMemorySessionStorage } from "../storages/memory.js";
import type { Session } from "../session/session.js";
import type { SessionStorage } from "../engine/storage.js";
import { MemoryStore } from "../stores/memory.js";
import { currentSession } from "./context.js";
import { getSession, session, withSession } from "./fetch.js";

// The test servers speak plain http: these cookies are not Secure (see the F2 tests for Secure ones).
const cookie = { secrets: [SECRET_A], name: "sid", secure: false };

/** A small app on withSession: counter, flash after redirect, login, logout. */
function app(storage: SessionStorage = createMemorySessionStorage({ cookie })) {
  return withSession(storage, async (request) => {
    const url = new URL(request.url);
    const s = await getSession(request);
    switch (url.pathname) {
      case "/count":
        s.set("count", Number(s.get("count") ?? 0) + 1);
        return new Response(String(s.get("count")));
      case "/flash":
        s.flash("notice", "saved");
        return Response.redirect(new URL("/show", request.url), 303);
      case "/show":
        return new Response(String(s.get("notice") ?? "none"));
      case "/login":
        s.regenerateId();
        s.set("user", "ann");
        return new Response("in");
      case "/me":
        return new Response(String(s.get("user") ?? "anonymous"));
      case "/logout":
        s.destroy();
        return new Response("out");
      case "/throw":
        s.set("count", 999);
        throw new Error("boom");
      case "/500":
        s.set("count", 999);
        return new Response("fail", { status: 500 });
      case "/two-cookies": {
        s.set("count", 1);
        const res = new Response("ok");
        res.headers.append("Set-Cookie", "theme=dark; Path=/");
        return res;
      }
      case "/nested":
        return new Response(String(await nestedRead()));
      default:
        return new Response("not found", { status: 404 });
    }
  });
}

async function nestedRead(): Promise<unknown> {
  return (await currentSession()).get("count") ?? 0;
}

describe("withSession through a real HTTP server", () => {
  test("a counter counts across requests", async () => {
    const server = await serveFetch(app());
    const jar = new Jar();
    try {
      for (const expected of ["1", "2", "3"]) {
        const res = await fetch(`${server.url}/count`, { headers: jar.headers() });
        assert.equal(await res.text(), expected);
        jar.take(res, "sid");
      }
    } finally {
      await server.close();
    }
  });

  test("a flash is shown exactly once after a redirect (an immutable Response is copied)", async () => {
    const server = await serveFetch(app());
    const jar = new Jar();
    try {
      const posted = await fetch(`${server.url}/flash`, { redirect: "manual" });
      assert.equal(posted.status, 303);
      assert.equal(posted.headers.get("cache-control"), "no-store");
      jar.take(posted, "sid");
      const first = await fetch(`${server.url}/show`, { headers: jar.headers() });
      assert.equal(await first.text(), "saved");
      jar.take(first, "sid");
      const second = await fetch(`${server.url}/show`, { headers: jar.headers() });
      assert.equal(await second.text(), "none");
    } finally {
      await server.close();
    }
  });

  test("login regenerates the id: the pre-login cookie no longer works", async () => {
    const server = await serveFetch(app());
    const jar = new Jar();
    try {
      jar.take(await fetch(`${server.url}/count`), "sid");
      const before = jar.cookie!;
      const login = await fetch(`${server.url}/login`, { headers: jar.headers() });
      jar.take(login, "sid");
      assert.notEqual(jar.cookie, before);
      assert.equal(await (await fetch(`${server.url}/me`, { headers: jar.headers() })).text(), "ann");
      assert.equal(await (await fetch(`${server.url}/me`, { headers: { cookie: before } })).text(), "anonymous");
    } finally {
      await server.close();
    }
  });

  test("logout expires the cookie with no-store, and replaying it is anonymous", async () => {
    const server = await serveFetch(app());
    const jar = new Jar();
    try {
      jar.take(await fetch(`${server.url}/login`), "sid");
      const stolen = jar.cookie!;
      const out = await fetch(`${server.url}/logout`, { headers: jar.headers() });
      assert.deepEqual(out.headers.getSetCookie(), ["sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"]);
      assert.equal(out.headers.get("cache-control"), "no-store");
      assert.equal(out.headers.get("vary"), "Cookie");
      assert.equal(await (await fetch(`${server.url}/me`, { headers: { cookie: stolen } })).text(), "anonymous");
    } finally {
      await server.close();
    }
  });

  test("a handler that throws, or answers 5xx, saves nothing", async () => {
    const server = await serveFetch(app());
    const jar = new Jar();
    try {
      jar.take(await fetch(`${server.url}/count`), "sid");
      const thrown = await fetch(`${server.url}/throw`, { headers: jar.headers() });
      assert.equal(thrown.status, 500);
      assert.deepEqual(thrown.headers.getSetCookie(), []);
      const failed = await fetch(`${server.url}/500`, { headers: jar.headers() });
      assert.deepEqual(failed.headers.getSetCookie(), []);
      assert.equal(await (await fetch(`${server.url}/count`, { headers: jar.headers() })).text(), "2");
    } finally {
      await server.close();
    }
  });

  test("a handler that answers Response.error() (a network error) gets it back as it is, and saves nothing", async () => {
    const storage = createMemorySessionStorage({ cookie });
    const handler = withSession(storage, async (request) => {
      const s = await getSession(request);
      s.set("count", Number(s.get("count") ?? 0) + 1);
      return new URL(request.url).pathname === "/error" ? Response.error() : new Response(String(s.get("count")));
    });
    const first = await handler(new Request("http://127.0.0.1/count"));
    const sid = first.headers.getSetCookie()[0]!.split(";")[0]!;
    const failed = await handler(new Request("http://127.0.0.1/error", { headers: { cookie: sid } }));
    assert.deepEqual([failed.type, failed.status, failed.headers.getSetCookie()], ["error", 0, []]);
    assert.equal(await (await handler(new Request("http://127.0.0.1/count", { headers: { cookie: sid } }))).text(), "2");
  });

  test("a handler that answers nothing (Bun's `if (server.upgrade(request)) return;`) gets nothing back, and saves nothing", async () => {
    const storage = createMemorySessionStorage({ cookie });
    const handler = withSession(storage, async (request) => {
      const s = await getSession(request);
      s.set("count", Number(s.get("count") ?? 0) + 1);
      return new URL(request.url).pathname === "/socket" ? undefined : new Response(String(s.get("count")));
    });
    const first = (await handler(new Request("http://127.0.0.1/count")))!;
    const sid = first.headers.getSetCookie()[0]!.split(";")[0]!;
    assert.equal(await handler(new Request("http://127.0.0.1/socket", { headers: { cookie: sid } })), undefined);
    assert.equal(await (await handler(new Request("http://127.0.0.1/count", { headers: { cookie: sid } })))!.text(), "2");
  });

  test("the handler's own Set-Cookie and the session's are both delivered", async () => {
    const server = await serveFetch(app(createCookieSessionStorage({ cookie })));
    try {
      const res = await fetch(`${server.url}/two-cookies`);
      const cookies = res.headers.getSetCookie();
      assert.equal(cookies.length, 2);
      assert.equal(cookies[0], "theme=dark; Path=/");
      assert.match(cookies[1]!, /^sid=E1\./);
    } finally {
      await server.close();
    }
  });

  test("a handler that never reads its session costs no store call and sends no cookie", async () => {
    let calls = 0;
    const store = new Proxy(new MemoryStore(), {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? (...a: unknown[]) => (calls++, v.apply(target, a)) : v;
      },
    });
    const storage = createSessionStorage({ store, cookie });
    const handler = withSession(storage, () => new Response("static"));
    const s = await storage.read(null);
    s.set("a", 1);
    const setCookie = (await storage.save(s))!;
    calls = 0;
    const res = await handler(new Request("http://x/", { headers: { cookie: setCookie.split(";")[0]! } }));
    assert.equal(await res.text(), "static");
    assert.equal(calls, 0);
    assert.deepEqual(res.headers.getSetCookie(), []);
  });

  test("currentSession() reaches the session from a nested function, and fails clearly outside a request", async () => {
    const handler = app();
    const first = await handler(new Request("http://x/count"));
    const cookieHeader = first.headers.getSetCookie()[0]!.split(";")[0]!;
    const nested = await handler(new Request("http://x/nested", { headers: { cookie: cookieHeader } }));
    assert.equal(await nested.text(), "1");
    await assert.rejects(currentSession(), /currentSession\(\) was called outside a request/);
  });

  test("with { currentSession: false } the handler still has its session, and currentSession() says it is off", async () => {
    const storage = createMemorySessionStorage({ cookie });
    const handler = withSession(
      storage,
      async (request) => {
        const s = await getSession(request);
        s.set("count", Number(s.get("count") ?? 0) + 1);
        const reached = await currentSession().then(
          () => "reached",
          (error: Error) => error.message,
        );
        return new Response(`${s.get("count")} ${reached}`);
      },
      { currentSession: false },
    );
    const first = await handler(new Request("http://x/"));
    assert.match(await first.text(), /^1 currentSession\(\) was called outside a request: .*\{ currentSession: false \}/);
    const again = await handler(new Request("http://x/", { headers: { cookie: first.headers.getSetCookie()[0]!.split(";")[0]! } }));
    assert.match(await again.text(), /^2 /);
  });

  test("a store that is down is a 503, never an anonymous session", async () => {
    const storage = createSessionStorage({ store: new MemoryStore(), cookie });
    const s = await storage.read(null);
    s.set("a", 1);
    const cookieHeader = (await storage.save(s))!.split(";")[0]!;
    const down = createSessionStorage({
      store: { get: () => Promise.reject(new Error("ECONNREFUSED")) } as unknown as MemoryStore,
      cookie,
    });
    const res = await withSession(down, async (request) => {
      await getSession(request);
      return new Response("should not happen");
    })(new Request("http://x/", { headers: { cookie: cookieHeader } }));
    assert.equal(res.status, 503);
    assert.deepEqual(res.headers.getSetCookie(), []);
  });
});

describe("getSession(request) and derived requests", () => {
  const cookie = { secrets: [SECRET_A], name: "sid", secure: false };

  test("a request derived with new Request(url, request) finds the handled request's session", async () => {
    const storage = createMemorySessionStorage({ cookie });
    const handler = withSession(storage, async (request) => {
      const derived = new Request(new URL("/rewritten", request.url), request);
      const s = await getSession(derived);
      assert.equal(s, await getSession(request), "the one session of the request");
      s.set("n", 1);
      return new Response("ok");
    });
    const res = await handler(new Request("http://127.0.0.1/"));
    assert.equal(res.headers.getSetCookie().length, 1, "its change is saved");
  });

  test("without AsyncLocalStorage in use, a derived request is refused with what to do instead", async () => {
    const storage = createMemorySessionStorage({ cookie });
    let message = "";
    const handler = withSession(
      storage,
      async (request) => {
        message = await getSession(new Request(request.url, request)).then(() => "found", (e: Error) => e.message);
        return new Response("ok");
      },
      { currentSession: false },
    );
    await handler(new Request("http://127.0.0.1/"));
    assert.match(message, /^getSession\(request\): this request is not handled inside withSession\(\).*pass the Request the handler was given, or call currentSession\(\)$/);
  });
});

describe("F2: Secure cookies and plain http", () => {
  const secure = { secrets: [SECRET_A], name: "sid" };
  const handler = (options?: { trustProxy?: boolean }) =>
    withSession(createMemorySessionStorage({ cookie: secure }), async (request) => {
      (await getSession(request)).set("a", 1);
      return new Response("ok");
    }, options);

  test("a plain-http request with the default (Secure) cookie gets no Set-Cookie", async () => {
    const res = await handler()(new Request("http://example.com/"));
    assert.deepEqual(res.headers.getSetCookie(), []);
    const forged = await handler()(new Request("http://example.com/", { headers: { "x-forwarded-proto": "https" } }));
    assert.deepEqual(forged.headers.getSetCookie(), [], "X-Forwarded-Proto is ignored without trustProxy");
  });

  test("https, or X-Forwarded-Proto with trustProxy, gets the Secure cookie", async () => {
    assert.match((await handler()(new Request("https://example.com/"))).headers.getSetCookie()[0]!, /; Secure;/);
    const proxied = await handler({ trustProxy: true })(new Request("http://example.com/", { headers: { "x-forwarded-proto": "https" } }));
    assert.match(proxied.headers.getSetCookie()[0]!, /; Secure;/);
  });

  test("outside production, plain http to a loopback host gets the Secure cookie (browsers keep it there); in production it does not", async () => {
    for (const url of ["http://localhost:3000/", "http://app.localhost/", "http://127.0.0.1:8080/", "http://[::1]:3000/"]) {
      assert.match((await handler()(new Request(url))).headers.getSetCookie()[0] ?? "", /^sid=.*; Secure;/, url);
    }
    const production = await runScript(
      import.meta.url,
      `
      import { createMemorySessionStorage } from "../storages/memory.js";
      import { getSession, withSession } from "./fetch.js";
      const handler = withSession(createMemorySessionStorage({ cookie: ${JSON.stringify(secure)} }), async (request) => {
        (await getSession(request)).set("a", 1);
        return new Response("ok");
      });
      console.log(JSON.stringify((await handler(new Request("http://localhost:3000/"))).headers.getSetCookie()));
      `,
      { NODE_ENV: "production" },
    );
    assert.deepEqual({ code: production.code, stdout: production.stdout }, { code: 0, stdout: "[]\n" }, production.stderr);
    const warnings = lines(production.stderr);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^tessera: a Secure session cookie was not sent in answer to a plain-http request\./);
    assert.deepEqual((await handler()(new Request("http://localhost.example.com/"))).headers.getSetCookie(), [], "not a loopback name");
  });
});

describe("the Hono middleware, with real Hono", () => {
  test("c.get('session') counts across requests, and the cookie is HttpOnly", async () => {
    const storage = createMemorySessionStorage({ cookie });
    const hono = new Hono<{ Variables: { session: Session } }>();
    hono.use(session(storage));
    hono.get("/", (c) => {
      const s = c.get("session");
      s.set("count", Number(s.get("count") ?? 0) + 1);
      return c.text(String(s.get("count")));
    });
    hono.get("/flash", (c) => {
      c.get("session").flash("notice", "hi");
      return c.redirect("/show");
    });
    hono.get("/show", (c) => c.text(String(c.get("session").get("notice") ?? "none")));
    const server = await serveFetch(hono.fetch);
    const jar = new Jar();
    try {
      for (const expected of ["1", "2"]) {
        const res = await fetch(`${server.url}/`, { headers: jar.headers() });
        assert.equal(await res.text(), expected);
        // The id cookie is sent once; the next request changes data only.
        assert.equal(res.headers.getSetCookie().length, expected === "1" ? 1 : 0);
        if (expected === "1") assert.match(res.headers.getSetCookie()[0]!, /^sid=S1\.[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
        jar.take(res, "sid");
      }
      const r = await fetch(`${server.url}/flash`, { headers: jar.headers(), redirect: "manual" });
      assert.equal(r.status, 302);
      jar.take(r, "sid");
      const shown = await fetch(`${server.url}/show`, { headers: jar.headers() });
      assert.equal(await shown.text(), "hi");
      jar.take(shown, "sid");
      assert.equal(await (await fetch(`${server.url}/show`, { headers: jar.headers() })).text(), "none");
    } finally {
      await server.close();
    }
  });
});
