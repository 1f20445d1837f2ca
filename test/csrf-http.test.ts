// The CSRF check of each integration over real HTTP: Express (tessera-session/express), Hono and h3
// (their middleware), and withSession (verifyCsrf). Each app serves a form with a token and an action
// behind the check; the same requests go to each.
import assert from "node:assert/strict";
import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import express from "express";
import { H3, toNodeHandler } from "h3";
import Fastify from "fastify";
import { Hono } from "hono";
import Koa, { type DefaultState } from "koa";
import { csrfToken, type Session, type SessionStorage } from "../src/index.js";
import { csrf as fastifyCsrf, session as fastifySession, type RegisteredStorage } from "../src/fastify.js";
import { csrf as koaCsrf, session as koaSession, type SessionContext as KoaContext } from "../src/koa.js";
import { createCookieSessionStorage } from "../src/lib/engine/cookie-storage.js";
import { csrf as expressCsrf, session as expressSession } from "../src/express.js";
import { getSession, verifyCsrf, withSession } from "../src/fetch.js";
import { csrf as h3Csrf, session as h3Session, useSession } from "../src/h3.js";
import { csrf as honoCsrf, session as honoSession, type SessionEnv } from "../src/hono.js";
import { listen } from "./bare-server.js";
import { koaFormBody } from "./koa-form-body.js";
import { SECRET_A, cookiePair, serveFetch } from "./helpers.js";

type Served = { url: string; close(): Promise<void> };
const cookieStorage = () => createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid", secure: false } });

/** Each integration's app: GET /form answers the token as text, POST /act answers "done" behind the check. */
const APPS: Record<string, (storage: SessionStorage) => Promise<Served>> = {
  async express(storage) {
    const app = express();
    app.use(express.urlencoded({ extended: false }), expressSession(storage), expressCsrf(storage));
    app.get("/form", (req, res) => void res.type("text").send(csrfToken(req.session)));
    app.post("/act", (_req, res) => void res.type("text").send("done"));
    return listen(createServer(app));
  },
  async fastify(storage) {
    const app = Fastify();
    // The form body as @fastify/formbody would give it, through Fastify's own content-type parser API.
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    // Another test file registers its own storage type for the whole program (Register): this one is untyped.
    await app.register(fastifySession, { storage: storage as unknown as RegisteredStorage });
    app.addHook("preHandler", fastifyCsrf(storage));
    app.get("/form", async (request) => csrfToken((request as unknown as { session: Session }).session));
    app.post("/act", async () => "done");
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
  async koa(storage) {
    const app = new Koa<DefaultState, KoaContext>();
    app.use(koaFormBody);
    app.use(koaSession(storage)).use(koaCsrf(storage));
    app.use((ctx) => void (ctx.body = ctx.path === "/form" ? csrfToken(ctx.session) : "done"));
    return listen(createServer(app.callback()));
  },
  async hono(storage) {
    const app = new Hono().use(honoSession(storage), honoCsrf(storage));
    app.get("/form", (c) => c.text(csrfToken(c.get("session"))));
    app.post("/act", (c) => c.text("done"));
    return serveFetch(app.fetch);
  },
  async h3(storage) {
    const app = new H3().use(h3Session(storage)).use(h3Csrf(storage));
    app.get("/form", (event) => csrfToken(useSession(event)));
    app.post("/act", () => "done");
    return listen(createServer(toNodeHandler(app)));
  },
  async fetch(storage) {
    return serveFetch(
      withSession(storage, async (request) => {
        const session = await getSession(request);
        if (new URL(request.url).pathname === "/form") return new Response(csrfToken(session));
        return (await verifyCsrf(request, session)) ?? new Response("done");
      }),
    );
  },
};

/**
 * A request through `agent` (node:http, so that a keep-alive connection is reused as a browser
 * would), failing after 10 s without an answer: a connection left waiting answers nothing.
 */
function onAgent(agent: Agent, url: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, method: init.method ?? "GET", headers: init.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${init.method ?? "GET"} ${url} within 10 s on the connection`)));
    req.on("error", reject);
    req.end(init.body);
  });
}

async function visit(url: string): Promise<{ cookie: string; token: string }> {
  const res = await fetch(`${url}/form`);
  return { cookie: cookiePair(res.headers.get("set-cookie")), token: await res.text() };
}

async function act(url: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(`${url}/act`, {
    method: "POST",
    headers: body === undefined ? headers : { "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });
  return [res.status, (await res.text()).trim()];
}

for (const [name, start] of Object.entries(APPS)) {
  describe(`CSRF over HTTP: ${name}`, () => {
    test("a token in the header or the form passes; none, another session's, another site or another Origin is a 403", async () => {
      const app = await start(cookieStorage());
      try {
        const { cookie, token } = await visit(app.url);
        const other = await visit(app.url);
        assert.deepEqual(await act(app.url, { cookie, "x-csrf-token": token }), [200, "done"]);
        assert.deepEqual(await act(app.url, { cookie, origin: app.url }, `_csrf=${token}`), [200, "done"]);
        assert.deepEqual(await act(app.url, { cookie }, "a=1"), [403, "Forbidden: this request carries no CSRF token"]);
        assert.deepEqual(await act(app.url, { cookie, "x-csrf-token": other.token }), [403, "Forbidden: this request's CSRF token is not this session's"]);
        assert.deepEqual(await act(app.url, { cookie, "x-csrf-token": token, "sec-fetch-site": "cross-site" }), [
          403,
          "Forbidden: this request came from another site's page",
        ]);
        assert.deepEqual(await act(app.url, { cookie, "x-csrf-token": token, origin: "http://evil.example" }), [403, "Forbidden: this request's Origin is not this site"]);
        assert.deepEqual(await act(app.url, { "x-csrf-token": token }), [403, "Forbidden: this request's CSRF token is not this session's"], "no cookie: no session to match");
      } finally {
        await app.close();
      }
    });

    test("a token-less form of 3 MiB is refused, and the client's keep-alive connection still serves its next request", async () => {
      const app = await start(cookieStorage());
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const { cookie } = await visit(app.url);
        const body = `text=${"x".repeat(3 << 20)}`;
        const refused = await onAgent(agent, `${app.url}/act`, { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body });
        // Express's and Fastify's body parsers have limits of their own (100 KB, 1 MiB) that answer first.
        if (name === "express" || name === "fastify") assert.equal(refused.status, 413);
        else assert.deepEqual([refused.status, refused.body.trim()], [403, "Forbidden: this request carries no CSRF token"]);
        const next = await onAgent(agent, `${app.url}/form`, { headers: { cookie } });
        assert.equal(next.status, 200);
      } finally {
        agent.destroy();
        await app.close();
      }
    });

    // Hono's and h3's csrf() see the handler's answer; a Fetch handler calling verifyCsrf reads the body itself.
    if (name === "hono" || name === "h3") {
      test("a form of 3 MiB with its token first passes, and a handler that answers without reading it leaves the keep-alive connection serving", async () => {
        const app = await start(cookieStorage());
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const { cookie, token } = await visit(app.url);
          const body = `_csrf=${encodeURIComponent(token)}&text=${"x".repeat(3 << 20)}`;
          const passed = await onAgent(agent, `${app.url}/act`, { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body });
          assert.deepEqual([passed.status, passed.body], [200, "done"]);
          assert.equal((await onAgent(agent, `${app.url}/form`, { headers: { cookie } })).status, 200);
        } finally {
          agent.destroy();
          await app.close();
        }
      });
    }

    // withSession's handler calls verifyCsrf itself: an app whose sessions ride in a header does not.
    if (name === "fetch") return;
    test("a session carried in a header is not checked: a browser never sends it by itself", async () => {
      const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, transport: { header: "x-session-token" } });
      const app = await start(storage);
      try {
        assert.deepEqual(await act(app.url, {}), [200, "done"]);
      } finally {
        await app.close();
      }
    });
  });
}

describe("csrf() after a middleware that read the body", () => {
  test("Hono: the form's token is read from Hono's own copy of the body, and the handler still has the form", async () => {
    const storage = cookieStorage();
    const app = new Hono<SessionEnv>();
    app.use(honoSession(storage));
    // A body read before the check (a validator, a logger) leaves the raw request body used: Hono keeps its copy.
    app.use(async (c, next) => {
      if (c.req.method === "POST") await c.req.parseBody();
      await next();
    });
    app.use(honoCsrf(storage));
    app.get("/form", (c) => c.text(csrfToken(c.get("session"))));
    app.post("/act", async (c) => c.text(`done ${(await c.req.parseBody()).note}`));
    const served = await serveFetch(app.fetch);
    try {
      const { cookie, token } = await visit(served.url);
      assert.deepEqual(await act(served.url, { cookie, origin: served.url }, `note=hi&_csrf=${token}`), [200, "done hi"]);
      assert.deepEqual(await act(served.url, { cookie, origin: served.url }, "note=hi"), [403, "Forbidden: this request carries no CSRF token"]);
      assert.deepEqual(await act(served.url, { cookie, origin: served.url }, `note=hi&_csrf=x${token}`), [403, "Forbidden: this request's CSRF token is not this session's"]);
    } finally {
      await served.close();
    }
  });
});

describe("csrf() used before session()", () => {
  test("Koa and Hono fail the request with an error that says where csrf() goes, never a bare TypeError", async () => {
    const storage = cookieStorage();
    const koa = new Koa();
    const koaErrors: string[] = [];
    koa.silent = true;
    koa.on("error", (error: Error) => void koaErrors.push(error.message));
    koa.use(koaCsrf(storage)).use((ctx) => void (ctx.body = "done"));
    const koaApp = await listen(createServer(koa.callback()));
    const hono = new Hono().use(honoCsrf(storage));
    hono.onError((error, c) => c.text(error.message, 500));
    hono.post("/act", (c) => c.text("done"));
    const honoApp = await serveFetch(hono.fetch);
    try {
      for (const headers of [{}, { "x-csrf-token": "a-token" }] as Array<Record<string, string>>) {
        assert.deepEqual(await act(koaApp.url, headers), [500, "Internal Server Error"]);
        assert.deepEqual(await act(honoApp.url, headers), [500, 'csrf(storage): no c.get("session"): use it after session(storage)']);
      }
      assert.deepEqual(koaErrors, Array(2).fill("csrf(storage): no ctx.session: use it after session(storage)"));
    } finally {
      await koaApp.close();
      await honoApp.close();
    }
  });
});

describe("csrf() options", () => {
  test("a trustedOrigins that is not an array fails where the middleware is made, in every integration", () => {
    const storage = cookieStorage();
    const bad = { trustedOrigins: "https://admin.example" as never };
    const message = 'option trustedOrigins must be an array of origins, such as ["https://admin.example"]; got a string';
    for (const make of [expressCsrf, koaCsrf, honoCsrf, h3Csrf, fastifyCsrf] as Array<(s: typeof storage, o: object) => unknown>) {
      assert.throws(() => make(storage, bad), { name: "TypeError", message });
    }
  });
});
