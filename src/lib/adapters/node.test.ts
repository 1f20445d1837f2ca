import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import http2 from "node:http2";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import express from "express";
import { Jar, SECRET_A } from "../../../test/helpers.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { createSessionStorage } from "../engine/id-storage.js";
import { createFileSessionStorage } from "../storages/file.js";
import { createMemorySessionStorage } from "../storages/memory.js";
import { MemoryStore } from "../stores/memory.js";
import type { SessionStorage } from "../engine/storage.js";
import { currentSession } from "./context.js";
import { session, type SessionRequest } from "./node.js";

const cookie = { secrets: [SECRET_A], name: "sid", secure: false };

/** A session cookie a good store issued, and a storage whose store refuses every read (a server that is down). */
async function storeDownOnRead() {
  const good = createSessionStorage({ store: new MemoryStore(), cookie });
  const s = await good.read(null);
  s.set("a", 1);
  const presented = (await good.save(s))!.split(";")[0]!;
  const down = createSessionStorage({ store: { get: () => Promise.reject(new Error("ECONNREFUSED")) } as unknown as MemoryStore, cookie });
  return { presented, down };
}

async function listen(server: Server) {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Holds `/slow` requests after they read their session, until released. */
function gate() {
  let entered!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (entered = r));
  const released = new Promise<void>((r) => (release = r));
  const pass = async () => {
    entered();
    await released;
  };
  return { reached, release, pass };
}
let slow = gate();

/** One headers object for every response of a route, as apps keep them in a constant. */
const SHARED_HEADERS = { "Content-Type": "text/plain", "Set-Cookie": "theme=light" };

function expressApp(storage: SessionStorage = createMemorySessionStorage({ cookie })) {
  const app = express();
  app.use(session(storage));
  app.get("/count", (req, res) => {
    const s = (req as unknown as SessionRequest).session;
    s.set("count", Number(s.get("count") ?? 0) + 1);
    res.send(String(s.get("count")));
  });
  app.post("/flash", (req, res) => {
    (req as unknown as SessionRequest).session.flash("notice", "saved");
    res.redirect(303, "/show");
  });
  app.get("/show", (req, res) => {
    res.send(String((req as unknown as SessionRequest).session.get("notice") ?? "none"));
  });
  app.post("/login", (req, res) => {
    const s = (req as unknown as SessionRequest).session;
    s.regenerateId();
    s.set("user", "ann");
    res.status(204).end();
  });
  app.get("/slow", async (req, res) => {
    const s = (req as unknown as SessionRequest).session;
    const count = Number(s.get("count") ?? 0);
    await slow.pass();
    s.set("count", count + 1);
    res.send("late");
  });
  app.get("/me", (req, res) => {
    res.send(String((req as unknown as SessionRequest).session.get("user") ?? "anonymous"));
  });
  app.post("/logout", (req, res) => {
    (req as unknown as SessionRequest).session.destroy();
    res.redirect(303, "/");
  });
  app.get("/throw", (req) => {
    (req as unknown as SessionRequest).session.set("count", 999);
    throw new Error("boom");
  });
  app.get("/stream", (req, res) => {
    (req as unknown as SessionRequest).session.set("streamed", true);
    // The rest once "a" has gone out: the body is sent in parts, after the head.
    res.write("a", () => {
      res.write("b");
      res.end("c");
    });
  });
  app.get("/two", (req, res) => {
    (req as unknown as SessionRequest).session.set("count", 1);
    res.cookie("theme", "dark");
    res.send("ok");
  });
  app.get("/head", (req, res) => {
    (req as unknown as SessionRequest).session.set("count", 1);
    res.writeHead(200, { "Content-Type": "text/plain", "Set-Cookie": "theme=light" });
    res.end("head");
  });
  app.get("/shared", (req, res) => {
    (req as unknown as SessionRequest).session.set("count", 1);
    res.writeHead(200, SHARED_HEADERS);
    res.end("shared");
  });
  app.get("/nested", async (_req, res) => {
    const s = await currentSession();
    res.send(String(s.get("count") ?? 0));
  });
  app.use(((error: Error & { status?: number }, _req, res, _next) => {
    res.status(error.status ?? 500).send(error.status === 503 ? "unavailable" : "error");
  }) as express.ErrorRequestHandler);
  return app;
}

async function withExpress(fn: (url: string) => Promise<void>, storage?: SessionStorage) {
  const server = await listen(createServer(expressApp(storage)));
  try {
    await fn(server.url);
  } finally {
    await server.close();
  }
}

describe("the node middleware in real Express 5", () => {
  test("a counter counts across requests", () =>
    withExpress(async (url) => {
      const jar = new Jar();
      for (const expected of ["1", "2", "3"]) {
        const res = await fetch(`${url}/count`, { headers: jar.headers() });
        assert.equal(await res.text(), expected);
        jar.take(res, "sid");
      }
    }));

  test("a flash is shown exactly once after res.redirect", () =>
    withExpress(async (url) => {
      const jar = new Jar();
      const posted = await fetch(`${url}/flash`, { method: "POST", redirect: "manual" });
      assert.equal(posted.status, 303);
      assert.equal(posted.headers.get("cache-control"), "no-store");
      jar.take(posted, "sid");
      const first = await fetch(`${url}/show`, { headers: jar.headers() });
      assert.equal(await first.text(), "saved");
      assert.equal(await (await fetch(`${url}/show`, { headers: jar.headers() })).text(), "none");
    }));

  test("login with regenerateId and res.end() without a body: the pre-login cookie no longer works", () =>
    withExpress(async (url) => {
      const jar = new Jar();
      jar.take(await fetch(`${url}/count`), "sid");
      const before = jar.cookie!;
      const login = await fetch(`${url}/login`, { method: "POST", headers: jar.headers() });
      assert.equal(login.status, 204);
      jar.take(login, "sid");
      assert.notEqual(jar.cookie, before);
      assert.equal(await (await fetch(`${url}/me`, { headers: jar.headers() })).text(), "ann");
      assert.equal(await (await fetch(`${url}/me`, { headers: { cookie: before } })).text(), "anonymous");
    }));

  test("a request begun before a login and finished after it leaves the new cookie alone", () =>
    withExpress(async (url) => {
      const jar = new Jar();
      jar.take(await fetch(`${url}/count`), "sid");
      const before = jar.cookie!;
      slow = gate();
      const late = fetch(`${url}/slow`, { headers: jar.headers() });
      await slow.reached;
      jar.take(await fetch(`${url}/login`, { method: "POST", headers: jar.headers() }), "sid");
      slow.release();
      const answer = await late;
      assert.equal(await answer.text(), "late");
      assert.deepEqual(answer.headers.getSetCookie(), [], "its session is gone: it writes nothing and sets no cookie");
      jar.take(answer, "sid");
      assert.equal(await (await fetch(`${url}/me`, { headers: jar.headers() })).text(), "ann", "still signed in");
      assert.equal(await (await fetch(`${url}/me`, { headers: { cookie: before } })).text(), "anonymous", "the old session stays gone");
    }));

  test("logout expires the cookie and a replay is anonymous", () =>
    withExpress(async (url) => {
      const jar = new Jar();
      jar.take(await fetch(`${url}/login`, { method: "POST" }), "sid");
      const stolen = jar.cookie!;
      const out = await fetch(`${url}/logout`, { method: "POST", headers: jar.headers(), redirect: "manual" });
      assert.deepEqual(out.headers.getSetCookie(), ["sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"]);
      assert.equal(out.headers.get("cache-control"), "no-store");
      assert.equal(await (await fetch(`${url}/me`, { headers: { cookie: stolen } })).text(), "anonymous");
    }));

  test("a route that throws reaches the error handler and saves nothing", () =>
    withExpress(async (url) => {
      const jar = new Jar();
      jar.take(await fetch(`${url}/count`), "sid");
      const thrown = await fetch(`${url}/throw`, { headers: jar.headers() });
      assert.equal(thrown.status, 500);
      assert.equal(await thrown.text(), "error");
      assert.deepEqual(thrown.headers.getSetCookie(), []);
      assert.equal(await (await fetch(`${url}/count`, { headers: jar.headers() })).text(), "2");
    }));

  test("a streamed response carries the cookie and its whole body", () =>
    withExpress(async (url) => {
      const res = await fetch(`${url}/stream`);
      assert.equal(await res.text(), "abc");
      assert.match(res.headers.getSetCookie()[0]!, /^sid=S1\./);
    }));

  test("the handler's own cookies (res.cookie, writeHead headers) and the session's are all delivered", () =>
    withExpress(async (url) => {
      const two = await fetch(`${url}/two`);
      const cookies = two.headers.getSetCookie();
      assert.equal(cookies.length, 2);
      assert.equal(cookies[0], "theme=dark; Path=/");
      assert.match(cookies[1]!, /^sid=S1\./);
      const head = await fetch(`${url}/head`);
      assert.equal(await head.text(), "head");
      const headCookies = head.headers.getSetCookie();
      assert.equal(headCookies.length, 2);
      assert.equal(headCookies[0], "theme=light");
      assert.match(headCookies[1]!, /^sid=S1\./);
    }));

  test("a headers object passed to every writeHead never carries one client's session cookie to another", () =>
    withExpress(async (url) => {
      const first = (await fetch(`${url}/shared`)).headers.getSetCookie();
      const second = (await fetch(`${url}/shared`)).headers.getSetCookie();
      for (const cookies of [first, second]) {
        assert.equal(cookies.length, 2);
        assert.equal(cookies[0], "theme=light");
        assert.match(cookies[1]!, /^sid=S1\./);
      }
      assert.notEqual(first[1], second[1]);
      assert.deepEqual(SHARED_HEADERS, { "Content-Type": "text/plain", "Set-Cookie": "theme=light" });
    }));

  test("currentSession() works inside an async route", () =>
    withExpress(async (url) => {
      const jar = new Jar();
      jar.take(await fetch(`${url}/count`), "sid");
      assert.equal(await (await fetch(`${url}/nested`, { headers: jar.headers() })).text(), "1");
    }));

  test("with { currentSession: false } req.session still works, and currentSession() says it is off", async () => {
    const app = express();
    app.use(session(createMemorySessionStorage({ cookie }), { currentSession: false }));
    app.get("/", async (req, res) => {
      const s = (req as unknown as SessionRequest).session;
      s.set("count", Number(s.get("count") ?? 0) + 1);
      const reached = await currentSession().then(
        () => "reached",
        (error: Error) => error.message,
      );
      res.send(`${s.get("count")} ${reached}`);
    });
    const server = await listen(createServer(app));
    try {
      const jar = new Jar();
      const first = await fetch(`${server.url}/`);
      jar.take(first, "sid");
      assert.match(await first.text(), /^1 currentSession\(\) was called outside a request: .*\{ currentSession: false \}/);
      assert.match(await (await fetch(`${server.url}/`, { headers: jar.headers() })).text(), /^2 /);
    } finally {
      await server.close();
    }
  });

  test("a store that fails on read is a 503 through Express's error handler", async () => {
    const { presented: c, down } = await storeDownOnRead();
    await withExpress(async (url) => {
      const res = await fetch(`${url}/count`, { headers: { cookie: c } });
      assert.equal(res.status, 503);
      assert.equal(await res.text(), "unavailable");
      assert.deepEqual(res.headers.getSetCookie(), []);
    }, down);
  });

  test("a store that fails on save answers 503 instead of the handler's response", async () => {
    const store = new MemoryStore();
    const flaky = Object.assign(Object.create(store) as MemoryStore, { create: () => Promise.reject(new Error("disk full")) });
    await withExpress(async (url) => {
      const res = await fetch(`${url}/count`);
      assert.equal(res.status, 503);
      assert.deepEqual(res.headers.getSetCookie(), []);
    }, createSessionStorage({ store: flaky, cookie }));
  });
});

describe("the node middleware in header mode", () => {
  test("the token is read from and returned in the configured header; the cookie is ignored", () =>
    withExpress(async (url) => {
      const first = await fetch(`${url}/count`);
      assert.equal(await first.text(), "1");
      const token = first.headers.get("x-session-token")!;
      assert.match(token, /^S1\./);
      assert.deepEqual(first.headers.getSetCookie(), []);
      assert.equal(await (await fetch(`${url}/count`, { headers: { "x-session-token": token } })).text(), "2");
      assert.equal(await (await fetch(`${url}/count`, { headers: { cookie: `sid=${token}` } })).text(), "1");
      const out = await fetch(`${url}/logout`, { method: "POST", headers: { "x-session-token": token }, redirect: "manual" });
      assert.equal(out.headers.get("x-session-token"), "");
      assert.equal(await (await fetch(`${url}/me`, { headers: { "x-session-token": token } })).text(), "anonymous");
    }, createMemorySessionStorage({ cookie, transport: { header: "x-session-token" } })));
});

describe("the node middleware on a bare node:http server", () => {
  test("counts across requests, and a handler that throws saves nothing", async () => {
    const storage = createMemorySessionStorage({ cookie });
    const withSession = session(storage);
    const server = await listen(
      createServer((req, res) =>
        withSession(req, res, (error) => {
          if (error) throw error;
          const s = (req as SessionRequest).session;
          s.set("count", Number(s.get("count") ?? 0) + 1);
          if (req.url === "/throw") throw new Error("boom");
          res.end(String(s.get("count")));
        }),
      ),
    );
    try {
      const jar = new Jar();
      const first = await fetch(`${server.url}/`);
      assert.equal(await first.text(), "1");
      jar.take(first, "sid");
      const thrown = await fetch(`${server.url}/throw`, { headers: jar.headers() });
      assert.equal(thrown.status, 500);
      assert.equal(await (await fetch(`${server.url}/`, { headers: jar.headers() })).text(), "2");
    } finally {
      await server.close();
    }
  });

  test("writeHead with a flat array, an array of pairs or an object keeps every header of the handler's and the session's: each Set-Cookie, and both Vary values", async () => {
    const withSession = session(createCookieSessionStorage({ cookie }));
    const routes: Record<string, (res: ServerResponse) => void> = {
      "/array": (res) => void res.writeHead(200, ["Set-Cookie", "a=1", "Set-Cookie", "b=2", "Content-Type", "text/plain"]).end("x"),
      "/array-after-setHeader": (res) => {
        res.setHeader("X-A", "1");
        res.writeHead(200, "Fine", ["Set-Cookie", "a=1", "Vary", "Accept-Encoding"]).end("x");
      },
      "/object": (res) => void res.writeHead(200, { "Set-Cookie": ["a=1", "b=2"], Vary: "Accept-Encoding" }).end("x"),
      // Node takes an array of [name, value] pairs too.
      "/pairs": (res) => void res.writeHead(200, [["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"], ["Vary", "Accept-Encoding"]]).end("x"),
    };
    const server = await listen(
      createServer((req, res) =>
        withSession(req, res, (error) => {
          if (error) throw error;
          (req as SessionRequest).session.set("n", 1);
          routes[req.url!]!(res);
        }),
      ),
    );
    try {
      for (const [path, own] of [["/array", ["a", "b"]], ["/array-after-setHeader", ["a"]], ["/object", ["a", "b"]], ["/pairs", ["a", "b"]]] as const) {
        const answer = await fetch(`${server.url}${path}`);
        assert.equal(answer.status, 200, path);
        assert.deepEqual(answer.headers.getSetCookie().map((c) => c.split("=")[0]), [...own, "sid"], path);
        if (path !== "/array") assert.deepEqual(answer.headers.get("vary")?.split(", ").sort(), ["Accept-Encoding", "Cookie"], path);
      }
      assert.equal((await fetch(`${server.url}/array-after-setHeader`)).headers.get("x-a"), "1");
    } finally {
      await server.close();
    }
  });

  test("writeHead with a flat array replaces what setHeader set under the names it gives, as Node does (@react-router/node's way)", async () => {
    const withSession = session(createCookieSessionStorage({ cookie }));
    const server = await listen(
      createServer((req, res) =>
        withSession(req, res, () => {
          (req as SessionRequest).session.set("n", 1);
          res.setHeader("Content-Type", "text/plain");
          res.setHeader("Content-Length", "10");
          res.setHeader("Set-Cookie", "early=1");
          res.setHeader("X-Kept", "1");
          res.writeHead(200, ["Content-Type", "application/json", "Content-Length", "2", "Set-Cookie", "a=1", "Set-Cookie", "b=2"]).end("{}");
        }),
      ),
    );
    try {
      const answer = await fetch(server.url);
      assert.deepEqual(await answer.json(), {});
      assert.deepEqual([answer.headers.get("content-type"), answer.headers.get("content-length"), answer.headers.get("x-kept")], ["application/json", "2", "1"]);
      assert.deepEqual(answer.headers.getSetCookie().map((c) => c.split("=")[0]), ["a", "b", "sid"]);
    } finally {
      await server.close();
    }
  });

  test("writeHead with the status as a string (\"500\", which Node takes) saves nothing either", async () => {
    const withSession = session(createCookieSessionStorage({ cookie }));
    const server = await listen(
      createServer((req, res) =>
        withSession(req, res, () => {
          (req as SessionRequest).session.set("n", 1);
          res.writeHead("500" as unknown as number).end("failed");
        }),
      ),
    );
    try {
      const answer = await fetch(server.url);
      assert.deepEqual([answer.status, answer.headers.getSetCookie()], [500, []]);
    } finally {
      await server.close();
    }
  });

  test("over HTTP/2 (node:http2's compatibility API) the middleware saves the session and raises no warning", async (t) => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    t.after(() => void process.off("warning", onWarning));
    // A file store answers asynchronously: the middleware holds the head while it saves.
    const dir = await mkdtemp(join(tmpdir(), "tessera-h2-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const withSession = session(createFileSessionStorage({ dir, cookie }));
    const server = http2.createServer((req, res) =>
      withSession(req as never, res as never, () => {
        (req as unknown as SessionRequest).session.set("n", 1);
        res.end("ok");
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const stream = client.request({ ":path": "/" });
      const [headers] = (await once(stream, "response")) as [http2.IncomingHttpHeaders];
      stream.resume();
      await once(stream, "end");
      assert.equal(headers[":status"], 200);
      assert.match(String(headers["set-cookie"]), /^sid=S1\./);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings, []);
    } finally {
      client.close();
      await new Promise((r) => server.close(r));
    }
  });

  test("a store that fails on read below a callback that rethrows the error is a 503, and the process stays up", async () => {
    const { presented, down } = await storeDownOnRead();
    const withSession = session(down);
    const escaped: unknown[] = [];
    const record = (error: unknown) => escaped.push(error);
    process.on("uncaughtException", record);
    process.on("unhandledRejection", record);
    const server = await listen(
      createServer((req, res) =>
        withSession(req, res, (error) => {
          if (error) throw error;
          res.end("never");
        }),
      ),
    );
    try {
      const res = await fetch(`${server.url}/`, { headers: { cookie: presented } });
      assert.equal(res.status, 503);
      assert.equal(await res.text(), "Service Unavailable: the session store cannot be reached\n");
      // Node reports a rejection once the tick that made it ends: one turn of the event loop later, every one so far is in.
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(escaped, []);
    } finally {
      process.off("uncaughtException", record);
      process.off("unhandledRejection", record);
      await server.close();
    }
  });
});
