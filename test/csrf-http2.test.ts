// The CSRF check of Fastify and Koa over HTTP/2, where a request has no Host header: the host a
// browser's Origin is compared with is the `:authority` pseudo-header.
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import Fastify from "fastify";
import Koa from "koa";
import { csrfToken } from "../src/index.js";
import { csrf as fastifyCsrf, session as fastifySession, type RegisteredStorage } from "../src/fastify.js";
import { csrf as koaCsrf, session as koaSession } from "../src/koa.js";
import { createCookieSessionStorage } from "../src/lib/engine/cookie-storage.js";
import { koaFormBody } from "./koa-form-body.js";
import { SECRET_A } from "./helpers.js";

const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid", secure: false } });

type Answer = { status: number; setCookie: string[]; body: string };

function request(origin: string, headers: http2.OutgoingHttpHeaders, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(origin);
    client.on("error", reject);
    const req = client.request(headers);
    let data = "";
    let head: http2.IncomingHttpHeaders = {};
    req.on("response", (h) => (head = h));
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (data += chunk));
    req.on("end", () => {
      client.close();
      resolve({ status: Number(head[":status"]), setCookie: ([] as string[]).concat(head["set-cookie"] ?? []), body: data });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** GET /form for a token and its cookie, then POST /act with them, from a browser that sends Origin but no Fetch Metadata. */
async function post(url: string, origin: string): Promise<number> {
  const form = await request(url, { ":method": "GET", ":path": "/form" });
  const cookie = form.setCookie[0]!.split(";")[0]!;
  const body = `_csrf=${encodeURIComponent(form.body)}`;
  const act = await request(
    url,
    { ":method": "POST", ":path": "/act", cookie, origin, "content-type": "application/x-www-form-urlencoded", "content-length": body.length },
    body,
  );
  return act.status;
}

const APPS: Record<string, () => Promise<{ url: string; close(): Promise<void> }>> = {
  async fastify() {
    const app = Fastify({ http2: true });
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    // Another test file types the app's session for Fastify (module augmentation): this storage is untyped.
    await app.register(fastifySession, { storage: storage as unknown as RegisteredStorage });
    app.addHook("preHandler", fastifyCsrf(storage));
    app.get("/form", async (req) => csrfToken(req.session));
    app.post("/act", async () => "done");
    await app.listen({ port: 0, host: "127.0.0.1" });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
  async koa() {
    const app = new Koa();
    app.use(koaFormBody);
    app.use(koaSession(storage)).use(koaCsrf(storage));
    app.use((ctx) => void (ctx.body = ctx.path === "/form" ? csrfToken((ctx as unknown as { session: never }).session) : "done"));
    const server = http2.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
};

for (const [name, make] of Object.entries(APPS)) {
  describe(`CSRF over HTTP/2: ${name}`, () => {
    test("a same-origin post with the token passes (the host is :authority); another origin's is refused", async () => {
      const app = await make();
      try {
        assert.equal(await post(app.url, app.url), 200);
        assert.equal(await post(app.url, "http://evil.example"), 403);
      } finally {
        await app.close();
      }
    });
  });
}
