// Revocable cookie sessions over real HTTP: two servers (two processes' worth
// of caches) share one Redis revocation store, through the Node middleware and
// the Fetch integration. "Log out everywhere else" and "sign out this session"
// end cookies wherever their copies are; a revocation store that is down is a
// 503 that leaves the cookie alone.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { getSession, withSession } from "../src/lib/adapters/fetch.js";
import { session as nodeSession, type SessionRequest } from "../src/lib/adapters/node.js";
import { createRevocableCookieSessionStorage, type RevocableCookieSessionStorage } from "../src/lib/engine/revocable-cookie-storage.js";
import type { Session } from "../src/lib/session/session.js";
import { RedisRevocationStore } from "../src/lib/stores/redis-revocation.js";
import { SECRET_A, serveFetch } from "./helpers.js";
import { REDIS_URL, need } from "./services.js";
import { TcpProxy } from "./tcp-proxy.js";

const skip = await need("Redis");
const INTERVAL = 1;
const afterInterval = () => new Promise((r) => setTimeout(r, INTERVAL * 1000 + 200));

type Data = { userId: string };
type Storage = RevocableCookieSessionStorage<Data>;

/** POST /signin, GET /me (200 with the user, or 401), POST /others (log out everywhere else), POST /logout. */
async function route(storage: Storage, s: Session<Data>, method: string, path: string): Promise<{ status: number; body: string }> {
  if (method === "POST" && path === "/signin") {
    s.regenerateId();
    s.set("userId", "ann");
    return { status: 200, body: "signed in" };
  }
  const user = s.get("userId");
  if (!user) return { status: 401, body: "anonymous" };
  if (method === "POST" && path === "/others") {
    await storage.destroyAllSessions(user, { except: s });
    return { status: 200, body: "others signed out" };
  }
  if (method === "POST" && path === "/logout") {
    s.destroy();
    return { status: 200, body: "signed out" };
  }
  return { status: 200, body: user };
}

interface Server {
  url: string;
  close(): Promise<void>;
}

async function serveNode(storage: Storage): Promise<Server> {
  const mw = nodeSession(storage);
  const server = createServer((req: IncomingMessage, res: ServerResponse) =>
    mw(req, res, async (error?: unknown) => {
      if (error) return void res.writeHead((error as { status?: number }).status ?? 500).end();
      const out = await route(storage, (req as SessionRequest<Data>).session, req.method!, req.url!);
      res.writeHead(out.status, { "Content-Type": "text/plain" }).end(out.body);
    }),
  ).listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())) };
}

function serveWithFetch(storage: Storage): Promise<Server> {
  return serveFetch(
    withSession(storage, async (request) => {
      const out = await route(storage, await getSession<Data>(request), request.method, new URL(request.url).pathname);
      return new Response(out.body, { status: out.status });
    }),
  );
}

/** One request with `cookie`; the session cookie the response set (null: cleared), if it set one. */
async function call(server: Server, method: string, path: string, cookie?: string) {
  const res = await fetch(server.url + path, { method, headers: cookie ? { cookie } : {} });
  const line = res.headers.getSetCookie().find((l) => l.startsWith("session="));
  const set = line === undefined ? undefined : /Max-Age=0/.test(line) ? null : line.split(";")[0]!;
  return { status: res.status, body: await res.text(), set };
}

describe("revocable cookie sessions over HTTP", { skip }, () => {
  let redis: Redis;
  let proxy: TcpProxy;
  const prefix = `tessera-test:${randomBytes(6).toString("hex")}:`;
  before(async () => {
    const { hostname, port } = new URL(REDIS_URL);
    proxy = new TcpProxy({ host: hostname, port: Number(port || 6379) });
    await proxy.start();
    redis = new Redis({ host: "127.0.0.1", port: proxy.port, maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    redis.on("error", () => {});
    await redis.connect();
  });
  after(async () => {
    redis?.disconnect();
    await proxy?.stop();
  });

  const storage = (): Storage =>
    createRevocableCookieSessionStorage<Data>({
      cookie: { secrets: [SECRET_A], name: "session", secure: false },
      userKey: "userId",
      revocation: { store: new RedisRevocationStore({ client: redis, prefix, timeout: 300 }), checkInterval: INTERVAL },
    });

  for (const [name, serve] of [
    ["node middleware", serveNode],
    ["fetch withSession", serveWithFetch],
  ] as const) {
    test(`${name}: log out everywhere else, then sign out this session, seen by both servers`, async () => {
      const [a, b] = [await serve(storage()), await serve(storage())];
      try {
        const phone = (await call(a, "POST", "/signin")).set!;
        const laptop = (await call(b, "POST", "/signin")).set!;
        assert.deepEqual([(await call(a, "GET", "/me", laptop)).body, (await call(b, "GET", "/me", phone)).body], ["ann", "ann"]);

        const others = await call(b, "POST", "/others", laptop);
        assert.equal(others.status, 200);
        assert.ok(others.set, "the kept session's cookie is re-issued with the new generation");
        const kept = others.set;
        assert.deepEqual(await call(b, "GET", "/me", phone), { status: 401, body: "anonymous", set: undefined });
        await afterInterval();
        assert.equal((await call(a, "GET", "/me", phone)).status, 401, "the other server, one checkInterval later");
        assert.equal((await call(a, "GET", "/me", kept)).body, "ann");
        assert.equal((await call(b, "GET", "/me", kept)).body, "ann");

        const logout = await call(a, "POST", "/logout", kept);
        assert.equal(logout.set, null, "the cookie is cleared on this client");
        assert.equal((await call(a, "GET", "/me", kept)).status, 401, "a copy replayed to the same server");
        await afterInterval();
        assert.equal((await call(b, "GET", "/me", kept)).status, 401, "a copy replayed to the other server");
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  }

  test("the revocation store down: a signed-in request is a 503 that leaves its cookie alone; an anonymous one is served", async () => {
    const a = await serveNode(storage());
    try {
      const cookie = (await call(a, "POST", "/signin")).set!;
      assert.equal((await call(a, "GET", "/me", cookie)).body, "ann");
      await proxy.stop();
      await afterInterval();
      const down = await call(a, "GET", "/me", cookie);
      assert.equal(down.status, 503);
      assert.equal(down.set, undefined);
      assert.deepEqual(await call(a, "GET", "/me"), { status: 401, body: "anonymous", set: undefined });
      await proxy.start();
      await redis.connect().catch(() => {});
      let back = await call(a, "GET", "/me", cookie);
      for (let i = 0; i < 30 && back.status !== 200; i++) back = await new Promise((r) => setTimeout(r, 100)).then(() => call(a, "GET", "/me", cookie));
      assert.equal(back.body, "ann", "served again once the store is back");
    } finally {
      await a.close();
    }
  });
});
