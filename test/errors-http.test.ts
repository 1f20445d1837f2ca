// Programmer errors reach the app as 500s, store outages as 503s that name no server,
// and "remember me" survives every re-issue: through real Express 5 and fetch servers.
import assert from "node:assert/strict";
import { once } from "node:events";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import express from "express";
import { Redis } from "ioredis";
import { createMemorySessionStorage } from "../src/lib/storages/memory.js";
import { createRedisSessionStorage } from "../src/redis.js";
import { getSession, withSession } from "../src/lib/adapters/fetch.js";
import { session, type SessionRequest } from "../src/lib/adapters/node.js";
import type { SessionStorage } from "../src/lib/engine/storage.js";
import { SessionStoreError } from "../src/lib/errors.js";
import { Jar, SECRET_A, cookiePair, fakeClock, freePort, serveFetch } from "./helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const cookie = { secrets: [SECRET_A], name: "sid", secure: false };

async function serveExpress(storage: SessionStorage, route: express.RequestHandler, seen: unknown[]) {
  const app = express();
  app.use(session(storage));
  app.get("/", route);
  app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    seen.push(error);
    next(error);
  });
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("errors through HTTP", () => {
  test("a value JSON cannot carry is a TypeError the app sees as a 500, not a store outage", async () => {
    const seen: unknown[] = [];
    const app = await serveExpress(createMemorySessionStorage({ cookie }), (req, res) => {
      (req as unknown as SessionRequest).session.set("n", 10n as never);
      res.send("unreachable");
    }, seen);
    try {
      const res = await fetch(app.url);
      assert.equal(res.status, 500);
      assert.deepEqual(res.headers.getSetCookie(), []);
      assert.ok(seen[0] instanceof TypeError);
      assert.match((seen[0] as Error).message, /session value "n" cannot be stored: a bigint is not JSON data/);
      assert.equal((seen[0] as { status?: number }).status, undefined, "not dressed up as a 503");
    } finally {
      await app.close();
    }

    const fetchApp = await serveFetch(withSession(createMemorySessionStorage({ cookie }), async (request) => {
      (await getSession(request)).set("n", 10n as never);
      return new Response("unreachable");
    }));
    try {
      const res = await fetch(fetchApp.url);
      assert.equal(res.status, 500, "withSession rethrows it to the server");
    } finally {
      await fetchApp.close();
    }
  });

  test("a store outage answers 503 whose body names no host, port or driver message", async () => {
    const port = await freePort();
    const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {});
    const storage = createRedisSessionStorage({ client, cookie });
    const signed = createMemorySessionStorage({ cookie });
    const s = await signed.read(null);
    s.set("a", 1);
    const jar = new Jar();
    jar.cookie = (await signed.save(s))!.split(";")[0]!;
    const seen: unknown[] = [];
    const app = await serveExpress(storage, (_req, res) => void res.send("unreachable"), seen);
    try {
      const res = await fetch(app.url, { headers: jar.headers() });
      const body = await res.text();
      assert.equal(res.status, 503);
      assert.deepEqual(res.headers.getSetCookie(), []);
      assert.match(body, /SessionStoreError: /);
      assert.ok(!body.includes("127.0.0.1") && !body.includes(String(port)), body);
      assert.ok((seen[0] as Error).cause, "the driver's error stays in cause, for logs");
    } finally {
      await app.close();
      client.disconnect();
    }
  });

  test("an outage of a storage made by another copy of the package (Next bundles one per layer) is still a 503 under this copy's integrations", async () => {
    // The package as another bundle holds it: its own modules, so its own error classes.
    const copy = await mkdtemp(join(tmpdir(), "tessera-copy-"));
    try {
      await cp(join(ROOT, "dist"), join(copy, "dist"), { recursive: true });
      const other = (await import(pathToFileURL(join(copy, "dist/index.js")).href)) as typeof import("../src/index.js");
      const down = new other.SessionStoreError("the session store cannot be reached");
      assert.ok(down instanceof SessionStoreError, "instanceof holds across the copies");
      assert.ok(!(new Error("x") instanceof SessionStoreError) && !(new other.SessionConfigError("x") instanceof SessionStoreError));
      // A subclass of the app's own is matched as JavaScript matches one.
      class Mine extends SessionStoreError {
        override name = "Mine";
      }
      assert.deepEqual([new Mine("x") instanceof SessionStoreError, down instanceof Mine, new Mine("x") instanceof Mine], [true, false, true]);
      const store = { get: () => Promise.reject(down), set: () => Promise.reject(down), touch: () => Promise.reject(down), destroy: () => Promise.reject(down), replace: () => Promise.reject(down) };
      const storage = other.createSessionStorage({ store: store as never, cookie });
      const server = await serveFetch(withSession(storage, async (request) => new Response(String((await getSession(request)).get("n")))));
      try {
        const sid = cookiePair(await createMemorySessionStorage({ cookie }).commitSession(await createMemorySessionStorage({ cookie }).read(null)));
        const res = await fetch(server.url, { headers: { cookie: sid } });
        assert.deepEqual([res.status, res.headers.get("retry-after")], [503, "5"]);
      } finally {
        await server.close();
      }
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  test("remember me: a lifetime set at login is kept by every later re-issue of the cookie", async () => {
    const clock = fakeClock(Date.now());
    const storage = createMemorySessionStorage({ cookie, now: clock.now, idleTimeout: 30 * 86400, absoluteTimeout: 90 * 86400, touchInterval: 60 });
    const app = express();
    app.use(session(storage));
    app.get("/login", (req, res) => {
      const s = (req as unknown as SessionRequest).session;
      s.regenerateId();
      s.set("user", "ann");
      s.setMaxAge(30 * 86400);
      res.send("in");
    });
    app.get("/", (req, res) => void res.send(String((req as unknown as SessionRequest).session.get("user"))));
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const jar = new Jar();
    try {
      const login = await fetch(`${url}/login`);
      assert.match(login.headers.getSetCookie()[0]!, /; Max-Age=2592000;/);
      jar.take(login, "sid");
      clock.advance(120);
      const touched = await fetch(`${url}/`, { headers: jar.headers() });
      assert.equal(await touched.text(), "ann");
      assert.match(touched.headers.getSetCookie()[0] ?? "", /; Max-Age=2592000;/, "the touch re-sends it with the session's lifetime");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
