// Chunked cookie sessions (maxChunks) over real HTTP, through each integration:
// node:http and Express (tessera-session/node), withSession (fetch), Hono,
// Fastify, Koa and h3. A session grows past one cookie, survives several
// requests, shrinks back to one cookie and ends; a client jar follows every
// Set-Cookie line, read from the raw response, where each must be a header line
// of its own beside the app's own cookie.
import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import express from "express";
import Fastify from "fastify";
import { H3, toNodeHandler } from "h3";
import { Hono } from "hono";
import Koa, { type DefaultState } from "koa";
import type { Session, SessionStorage } from "../src/index.js";
import { createCookieSessionStorage } from "../src/lib/engine/cookie-storage.js";
import { session as nodeSession, type SessionRequest } from "../src/node.js";
import { getSession, withSession } from "../src/fetch.js";
import { session as honoSession } from "../src/hono.js";
import { session as fastifySession, type RegisteredStorage } from "../src/fastify.js";
import { session as koaSession, type SessionContext } from "../src/koa.js";
import { session as h3Session, useSession } from "../src/h3.js";
import { listen } from "./bare-server.js";
import { CookieJar, SECRET_A, serveFetch } from "./helpers.js";

type Served = { url: string; close(): Promise<void> };

const BLOB = "x".repeat(3600);
const APP_COOKIE = "theme=dark; Path=/";

/** What each path does to the session, and the text it answers: the visit count and the size of what it holds. */
function act(path: string, session: Session): string {
  if (path === "/logout") {
    session.destroy();
    return "bye";
  }
  if (path === "/grow") session.set("blob", BLOB);
  if (path === "/shrink") session.unset("blob");
  const n = Number(session.get("n") ?? 0) + 1;
  session.set("n", n);
  return `${n} ${String(session.get("blob") ?? "").length}`;
}

/** Each integration's app: every path answers `act`, and /grow sets the app's own cookie too. */
const APPS: Record<string, (storage: SessionStorage) => Promise<Served>> = {
  async "node:http"(storage) {
    const withSessionMiddleware = nodeSession(storage);
    const server = createServer((req, res) =>
      withSessionMiddleware(req, res, () => {
        const body = act(req.url!, (req as SessionRequest).session);
        // The app's own Set-Cookie in writeHead's headers: the session's lines join them there.
        res.writeHead(200, { "Content-Type": "text/plain", ...(req.url === "/grow" ? { "Set-Cookie": APP_COOKIE } : {}) });
        res.end(body);
      }),
    );
    return listen(server);
  },
  async express(storage) {
    const app = express();
    app.use(nodeSession(storage));
    app.use((req, res) => {
      if (req.path === "/grow") res.append("Set-Cookie", APP_COOKIE);
      res.type("text").send(act(req.path, (req as unknown as SessionRequest).session));
    });
    return listen(createServer(app));
  },
  async fetch(storage) {
    return serveFetch(
      withSession(storage, async (request) => {
        const path = new URL(request.url).pathname;
        const headers = new Headers(path === "/grow" ? [["Set-Cookie", APP_COOKIE]] : []);
        return new Response(act(path, await getSession(request)), { headers });
      }),
    );
  },
  async hono(storage) {
    const app = new Hono().use(honoSession(storage));
    app.get("*", (c) => {
      if (c.req.path === "/grow") c.header("Set-Cookie", APP_COOKIE, { append: true });
      return c.text(act(c.req.path, c.get("session")));
    });
    return serveFetch(app.fetch);
  },
  async fastify(storage) {
    const app = Fastify();
    await app.register(fastifySession, { storage: storage as unknown as RegisteredStorage });
    app.get("/*", async (request, reply) => {
      const path = request.url;
      if (path === "/grow") reply.header("set-cookie", APP_COOKIE);
      return act(path, (request as unknown as { session: Session }).session);
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
  async koa(storage) {
    const app = new Koa<DefaultState, SessionContext>();
    app.use(koaSession(storage));
    app.use((ctx) => {
      if (ctx.path === "/grow") ctx.append("Set-Cookie", APP_COOKIE);
      ctx.body = act(ctx.path, ctx.session);
    });
    return listen(createServer(app.callback()));
  },
  async h3(storage) {
    const app = new H3().use(h3Session(storage));
    app.get("/**", (event) => {
      if (event.url.pathname === "/grow") event.res.headers.append("Set-Cookie", APP_COOKIE);
      return act(event.url.pathname, useSession(event) as unknown as Session);
    });
    return listen(createServer(toNodeHandler(app)));
  },
};

/** A GET through node:http, whose raw headers show each Set-Cookie line as it came. */
function get(url: string, cookie: string | null): Promise<{ status: number; body: string; setCookies: string[]; cookieSent: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: cookie ? { cookie } : {} }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        const setCookies: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i]!.toLowerCase() === "set-cookie") setCookies.push(res.rawHeaders[i + 1]!);
        resolve({ status: res.statusCode!, body, setCookies, cookieSent: cookie?.length ?? 0 });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const nameOf = (line: string) => line.slice(0, line.indexOf("="));
const expires = (line: string) => / Max-Age=0; /.test(line);

for (const [integration, start] of Object.entries(APPS)) {
  describe(`chunked cookies over HTTP: ${integration}`, () => {
    test("a session grows past one cookie, survives requests, shrinks back to one cookie, and ends; the jar holds only what it must", async () => {
      const storage = createCookieSessionStorage({ maxChunks: 2, cookie: { secrets: [SECRET_A], name: "sid", secure: false } });
      const app = await start(storage);
      const jar = new CookieJar();
      const visit = async (path: string) => {
        const res = await get(`${app.url}${path}`, jar.header());
        assert.equal(res.status, 200, res.body);
        for (const line of res.setCookies) assert.ok(line.length <= 4096 && !line.includes("\n"), `${line.length} bytes`);
        jar.take(res.setCookies);
        return res;
      };
      try {
        const grown = await visit("/grow");
        assert.equal(grown.body, "1 3600");
        assert.deepEqual(grown.setCookies.map(nameOf).sort(), ["sid", "sid.0", "sid.1", "theme"], "the app's cookie, both chunks and the plain name's expiry, a header line each");
        assert.deepEqual(grown.setCookies.filter(expires).map(nameOf), ["sid"], "a request in flight beside this one may have set it");
        assert.deepEqual(jar.names(), ["sid.0", "sid.1", "theme"]);
        for (let n = 2; n <= 4; n++) {
          const again = await visit("/");
          assert.equal(again.body, `${n} 3600`);
          assert.deepEqual(again.setCookies.map(nameOf), ["sid.0", "sid.1", "sid"]);
          assert.ok(again.cookieSent > 4096 && again.cookieSent <= 6144 + "; theme=dark".length, `${again.cookieSent} bytes of Cookie`);
        }
        const shrunk = await visit("/shrink");
        assert.equal(shrunk.body, "5 0");
        assert.deepEqual(shrunk.setCookies.map(nameOf), ["sid", "sid.0", "sid.1"]);
        assert.deepEqual(shrunk.setCookies.map(expires), [false, true, true], "the stale chunks are expired");
        assert.deepEqual(jar.names(), ["sid", "theme"]);
        const small = await visit("/");
        assert.equal(small.body, "6 0");
        assert.deepEqual(small.setCookies.map(nameOf), ["sid"]);
        const regrown = await visit("/grow");
        assert.equal(regrown.body, "7 3600");
        assert.deepEqual(regrown.setCookies.filter((line) => nameOf(line) !== "theme").map((line) => [nameOf(line), expires(line)]), [
          ["sid.0", false],
          ["sid.1", false],
          ["sid", true],
        ]);
        assert.deepEqual(jar.names(), ["sid.0", "sid.1", "theme"]);
        const ended = await visit("/logout");
        assert.deepEqual(ended.setCookies.map((line) => [nameOf(line), expires(line)]), [
          ["sid", true],
          ["sid.0", true],
          ["sid.1", true],
        ]);
        assert.deepEqual(jar.names(), ["theme"]);
        assert.equal((await visit("/")).body, "1 0", "a new session after the logout");
      } finally {
        await app.close();
      }
    });

    // Two requests of one browser in flight, both sent with the same cookies: the browser keeps what
    // each response sets in the order they arrive, and the one answered last must be what it holds.
    const inFlight = async (app: Served, jar: CookieJar, first: string, last: string) => {
      const carried = jar.header();
      const [early, late] = await Promise.all([get(`${app.url}${first}`, carried), get(`${app.url}${last}`, carried)]);
      jar.take(early.setCookies);
      jar.take(late.setCookies);
    };
    const visitWith = async (app: Served, jar: CookieJar, path: string) => {
      const res = await get(`${app.url}${path}`, jar.header());
      jar.take(res.setCookies);
      return res.body;
    };

    test("a logout answered after a request that grew the session into chunks ends it: no chunk is left to read", async () => {
      const storage = createCookieSessionStorage({ maxChunks: 2, cookie: { secrets: [SECRET_A], name: "sid", secure: false } });
      const app = await start(storage);
      try {
        const jar = new CookieJar();
        assert.equal(await visitWith(app, jar, "/"), "1 0");
        await inFlight(app, jar, "/grow", "/logout");
        assert.deepEqual(jar.names(), ["theme"]);
        assert.equal(await visitWith(app, jar, "/"), "1 0", "a new session");
      } finally {
        await app.close();
      }
    });

    test("of a shrink to one cookie and a save in chunks in flight together, the one answered last is the session read next", async () => {
      const storage = createCookieSessionStorage({ maxChunks: 2, cookie: { secrets: [SECRET_A], name: "sid", secure: false } });
      const app = await start(storage);
      try {
        for (const [first, last, next] of [
          ["/shrink", "/", "3 3600"],
          ["/", "/shrink", "3 0"],
        ] as const) {
          const jar = new CookieJar();
          assert.equal(await visitWith(app, jar, "/grow"), "1 3600");
          await inFlight(app, jar, first, last);
          assert.equal(await visitWith(app, jar, "/"), next, `${first} then ${last}`);
        }
      } finally {
        await app.close();
      }
    });
  });
}
