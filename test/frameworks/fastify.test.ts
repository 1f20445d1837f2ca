// The framework scenario (test/frameworks/scenario.ts) on a real Fastify 5 app with `tessera-session/fastify`,
// then what is Fastify's own: scopes, @fastify/cookie, errors the error handler turns into replies, web
// Responses, `currentSession()` after the body is parsed, and a store that fails while saving.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import fastifyCookie from "@fastify/cookie";
import fastifySecureSession from "@fastify/secure-session";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { currentSession, session, type FastifySessionOptions } from "../../src/fastify.js";
import { createCookieSessionStorage } from "../../src/lib/engine/cookie-storage.js";
import { createFileSessionStorage } from "../../src/lib/storages/file.js";
import type { SessionStorage } from "../../src/lib/engine/storage.js";
import { SessionStoreError } from "../../src/lib/errors.js";
import type { Session } from "../../src/lib/session/session.js";
import { serveFetch } from "../helpers.js";
import { withSave } from "./save-double.js";
import { COOKIE_NAME, frameworkScenario, SCENARIO_OPTIONS, serving, type AppData, type AppFlash, type AppStorage } from "./scenario.js";

// `Register` names one storage type for the whole program, and this program's is the type test's
// (src/fastify.types.test.ts): here each storage is passed, and its session read, as its own type.
const options = (storage: SessionStorage<any, any>, more: object = {}) => ({ storage, ...more }) as unknown as FastifySessionOptions;
const s = (request: FastifyRequest) => request.session as unknown as Session<AppData, AppFlash>;

/** The scenario's routes (test/frameworks/scenario.ts, `FrameworkApp`). */
function routes(app: FastifyInstance): void {
  // Fastify parses no form bodies by itself (that is @fastify/formbody's work); the scenario's are empty.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => done(null, body));
  app.get("/count", async (request) => {
    s(request).set("count", (s(request).get("count") ?? 0) + 1);
    return String(s(request).get("count"));
  });
  app.get("/peek", async (request) => ({ count: s(request).get("count") ?? null }));
  app.post("/signin", async (request, reply) => {
    s(request).regenerateId();
    s(request).set("userId", "ann");
    s(request).flash("notice", "Welcome ann");
    return reply.redirect("/", 303);
  });
  app.get("/", async (request) => ({ user: s(request).get("userId") ?? null, notice: s(request).get("notice") ?? null }));
  app.get("/fail", async (request) => {
    s(request).set("count", 999);
    throw new Error("route failed");
  });
  app.post("/signout", async (request, reply) => {
    s(request).destroy();
    return reply.redirect("/", 303);
  });
}

async function listen(app: FastifyInstance) {
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => app.close() };
}

frameworkScenario("Fastify 5", async ({ storage }) => {
  const app = Fastify();
  await app.register(session, options(storage));
  routes(app);
  return listen(app);
});

const cookieStorage = (): AppStorage => createCookieSessionStorage<AppData, AppFlash>(SCENARIO_OPTIONS);


const sessionCookie = (res: Response) => res.headers.getSetCookie().find((line) => line.startsWith(`${COOKIE_NAME}=`));

describe("Fastify specifics", () => {
  test("the session exists in the scope that registered the plugin and its child scopes, not in its parent or siblings", async () => {
    const app = Fastify();
    const seen = (request: FastifyRequest) => {
      const current = request.session as unknown as Session<AppData> | undefined;
      if (current) current.set("count", 1);
      return { session: current === undefined ? "none" : "yes" };
    };
    app.get("/root", async (request) => seen(request));
    await app.register(async (scope) => {
      await scope.register(session, options(cookieStorage()));
      scope.get("/a", async (request) => seen(request));
      await scope.register(async (child) => void child.get("/a/child", async (request) => seen(request)));
    });
    await app.register(async (sibling) => void sibling.get("/b", async (request) => seen(request)));
    await serving(listen(app), async (url) => {
      for (const [path, expected] of [["/a", "yes"], ["/a/child", "yes"], ["/b", "none"], ["/root", "none"]] as const) {
        const res = await fetch(url + path);
        assert.deepEqual([await res.json(), !!sessionCookie(res)], [{ session: expected }, expected === "yes"], path);
      }
    });
  });

  for (const order of ["@fastify/cookie first", "tessera first"] as const) {
    test(`with @fastify/cookie (${order}), the app's own reply.setCookie and the session cookie both reach the client`, async () => {
      const app = Fastify();
      if (order === "@fastify/cookie first") await app.register(fastifyCookie);
      await app.register(session, options(cookieStorage()));
      if (order === "tessera first") await app.register(fastifyCookie);
      app.get("/", async (request, reply) => {
        s(request).set("count", 1);
        reply.setCookie("theme", "dark", { path: "/" });
        return { cookies: request.cookies };
      });
      await serving(listen(app), async (url) => {
        const res = await fetch(url, { headers: { cookie: "lang=en" } });
        assert.deepEqual(await res.json(), { cookies: { lang: "en" } });
        const lines = res.headers.getSetCookie();
        assert.equal(lines.length, 2, lines.join("\n"));
        assert.ok(lines.some((line) => line.startsWith("theme=dark;")));
        const counted = await fetch(url + "/", { headers: { cookie: sessionCookie(res)!.split(";")[0]! } });
        assert.equal(counted.status, 200);
      });
    });
  }

  test("a route error the error handler answers with a 4xx saves nothing either: the handling failed", async () => {
    const app = Fastify();
    await app.register(session, options(cookieStorage()));
    routes(app);
    app.get("/forbidden", async (request) => {
      s(request).set("count", 999);
      throw Object.assign(new Error("no"), { statusCode: 403 });
    });
    app.get("/sent-error", async (request, reply) => {
      s(request).set("count", 999);
      return reply.code(409).send(new Error("conflict"));
    });
    await serving(listen(app), async (url) => {
      const first = await fetch(url + "/count");
      const cookie = sessionCookie(first)!.split(";")[0]!;
      for (const path of ["/forbidden", "/sent-error"]) {
        const res = await fetch(url + path, { headers: { cookie } });
        assert.deepEqual([res.status, sessionCookie(res)], [path === "/forbidden" ? 403 : 409, undefined], path);
      }
      assert.equal(await (await fetch(url + "/count", { headers: { cookie } })).text(), "2");
    });
  });

  test("a web Response from the handler: a 5xx one saves nothing, a 200 one gets the cookie; a stream gets it too", async () => {
    const app = Fastify();
    await app.register(session, options(cookieStorage()));
    app.get("/response/:status", async (request) => {
      s(request).set("count", 1);
      return new Response("from a Response", { status: Number((request.params as { status: string }).status) });
    });
    app.get("/stream", async (request, reply) => {
      s(request).set("count", 1);
      return reply.type("text/plain").send(Readable.from(["a", "b"]));
    });
    await serving(listen(app), async (url) => {
      const failed = await fetch(url + "/response/500");
      assert.deepEqual([failed.status, await failed.text(), sessionCookie(failed)], [500, "from a Response", undefined]);
      const ok = await fetch(url + "/response/200");
      assert.deepEqual([ok.status, await ok.text(), !!sessionCookie(ok)], [200, "from a Response", true]);
      const streamed = await fetch(url + "/stream");
      assert.deepEqual([streamed.status, await streamed.text(), !!sessionCookie(streamed)], [200, "ab", true]);
    });
  });

  test("a web Response with its own Vary and Set-Cookie (fetch()'s immutable one too): both Vary values, both cookies", async () => {
    const upstream = await serveFetch(() => new Response("upstream", { headers: [["set-cookie", "up=1; Path=/"], ["vary", "Accept-Encoding"]] }));
    const app = Fastify();
    await app.register(session, options(cookieStorage()));
    app.get("/made", async (request) => {
      s(request).set("count", 7);
      return new Response("made", { headers: { vary: "Accept-Language", "set-cookie": "own=1; Path=/" } });
    });
    app.get("/proxied", async (request) => {
      s(request).set("count", 7);
      return fetch(upstream.url);
    });
    app.get("/peek", async (request) => String(s(request).get("count")));
    try {
      await serving(listen(app), async (url) => {
        for (const [path, body, cookie, vary] of [
          ["/made", "made", "own", "Accept-Language"],
          ["/proxied", "upstream", "up", "Accept-Encoding"],
        ] as const) {
          const res = await fetch(url + path);
          assert.equal(await res.text(), body);
          assert.deepEqual(res.headers.getSetCookie().map((line) => line.split("=")[0]).sort(), [COOKIE_NAME, cookie].sort(), path);
          assert.deepEqual(res.headers.get("vary")?.split(", ").sort(), ["Cookie", vary].sort(), path);
          const again = await fetch(url + "/peek", { headers: { cookie: sessionCookie(res)!.split(";")[0]! } });
          assert.equal(await again.text(), "7", path);
        }
      });
    } finally {
      await upstream.close();
    }
  });

  test("currentSession() finds the session in a handler that ran after a body that arrived late was parsed", async () => {
    const app = Fastify();
    await app.register(session, options(cookieStorage()));
    app.post("/", async (request) => {
      const found = await currentSession<AppData, AppFlash>();
      found.set("count", (request.body as { n: number }).n);
      return { same: found === s(request) };
    });
    await serving(listen(app), async (url) => {
      // The body's second half arrives after the hooks ran: the parser, and the handler after it, run in the socket's async context.
      const { port } = new URL(url);
      const answer = await new Promise<{ status: number; body: string; setCookie: string[] }>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, method: "POST", path: "/", headers: { "content-type": "application/json", "content-length": 8 } }, (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, body, setCookie: res.headers["set-cookie"] ?? [] }));
        });
        req.on("error", reject);
        req.write('{"n":');
        setTimeout(() => req.end("7}\n"), 50);
      });
      assert.deepEqual([answer.status, JSON.parse(answer.body)], [200, { same: true }]);
      assert.ok(answer.setCookie.some((line) => line.startsWith(`${COOKIE_NAME}=`)));
    });
  });

  test("a store that fails while saving: 503 in place of the reply (a serialized one, a stream, a web Response), its headers dropped, no cookie", async () => {
    const failing = withSave(cookieStorage(), () => Promise.reject(new SessionStoreError("the session store cannot be reached")));
    const app = Fastify();
    await app.register(session, options(failing));
    app.get("/json", async (request, reply) => {
      s(request).set("count", 1);
      return reply.header("x-app", "1").send({ ok: true });
    });
    app.get("/stream", async (request, reply) => {
      s(request).set("count", 1);
      return reply.header("x-app", "1").send(Readable.from(["a", "b"]));
    });
    app.get("/response", async (request) => {
      s(request).set("count", 1);
      return new Response("made", { headers: { "x-app": "1" } });
    });
    await serving(listen(app), async (url) => {
      for (const path of ["/json", "/stream", "/response"]) {
        const res = await fetch(url + path);
        assert.deepEqual([res.status, res.headers.get("retry-after"), res.headers.get("x-app"), res.headers.getSetCookie()], [503, "5", null, []], path);
        assert.match(await res.text(), /session store cannot be reached/);
      }
    });
  });

  test("a reply whose head Node refuses is Fastify's 500 and the server goes on, whether the save is asynchronous (a file store, a cookie storage's first keys) or not", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tessera-fastify-"));
    try {
      for (const [kind, storage] of [
        ["file", createFileSessionStorage<AppData, AppFlash>({ ...SCENARIO_OPTIONS, dir })],
        ["cookie, first request", cookieStorage()],
        ["cookie, keys at hand", cookieStorage()],
      ] as const) {
        const app = Fastify();
        await app.register(session, options(storage));
        app.get("/ok", async (request) => (s(request).set("count", 1), "ok"));
        // A filename from the user: "–" is not Latin-1, and Node refuses it in a header.
        app.get("/download", async (request, reply) => {
          s(request).set("count", 2);
          return reply.header("content-disposition", `attachment; filename="${(request.query as { name: string }).name}"`).send("file body");
        });
        await serving(listen(app), async (url) => {
          if (kind === "cookie, keys at hand") assert.equal((await fetch(`${url}/ok`)).status, 200);
          const refused = await fetch(`${url}/download?name=${encodeURIComponent("résumé–final.txt")}`);
          assert.deepEqual([refused.status, refused.headers.getSetCookie()], [500, []], kind);
          const after = await fetch(`${url}/ok`);
          assert.deepEqual([after.status, await after.text(), !!sessionCookie(after)], [200, "ok", true], kind);
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("registering it where another plugin already decorates request.session fails at startup", async () => {
    const app = Fastify();
    await app.register(fastifySecureSession, { key: Buffer.alloc(32, 7), cookieName: "other" });
    await assert.rejects(async () => {
      await app.register(session, options(cookieStorage()));
    }, /session/);
    await app.close().catch(() => {});
  });
});
