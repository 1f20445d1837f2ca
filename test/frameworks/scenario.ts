// One scenario for every framework adapter: a real app of that framework on
// 127.0.0.1, driven over HTTP, once over a cookie storage and once over a
// Redis storage (behind a proxy the test cuts for the outage). Each framework's
// test only starts its app; what the app must do is the route contract below.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "redis";
import { createCookieSessionStorage } from "../../src/lib/engine/cookie-storage.js";
import type { SessionStorage } from "../../src/lib/engine/storage.js";
import { createRedisSessionStorage } from "../../src/redis.js";
import { SECRET_A } from "../helpers.js";
import { need, REDIS_URL } from "../services.js";
import { TcpProxy } from "../tcp-proxy.js";

/** The session data of the scenario's app. */
export interface AppData {
  count: number;
  userId: string;
}
/** Its flash data. */
export interface AppFlash {
  notice: string;
}
export type AppStorage = SessionStorage<AppData, AppFlash>;

/**
 * The route contract every framework's app serves:
 * - `GET /count`: `count` + 1, answered as text.
 * - `GET /peek`: `{ count }` as JSON, the session only read.
 * - `POST /signin`: `regenerateId()`, `userId` = "ann", flash `notice` = "Welcome ann", 303 to `/`.
 * - `GET /`: `{ user, notice }` as JSON (`null` for what is not there).
 * - `GET /fail`: `count` = 999, then the handler throws (the framework answers 500).
 * - `POST /signout`: `destroy()`, 303 to `/`.
 */
export interface FrameworkApp {
  url: string;
  close(): Promise<void>;
}

export type StorageKind = "cookie" | "redis";

/** Runs `fn` against the app `started` gives, then closes it: each framework's specifics tests go through it. */
export async function serving(started: Promise<FrameworkApp>, fn: (url: string) => Promise<void>): Promise<void> {
  const { url, close } = await started;
  try {
    await fn(url);
  } finally {
    await close();
  }
}

/** The cookie's name in the scenario (plain http on 127.0.0.1, so not `__Host-`). */
export const COOKIE_NAME = "sid";
/** Seconds between sliding refreshes: short, so that the test can wait one out. */
export const TOUCH_INTERVAL = 2;
/**
 * How long a test waits for a sliding refresh to be due: a cookie session's times (and the
 * memory store's) are whole seconds rounded up, so it is due up to a second after the interval.
 */
export const REFRESH_DUE_MS = TOUCH_INTERVAL * 1000 + 1300;

/** The settings of the scenario's storages, for an app that makes its own (Next.js, in its own process). */
export const SCENARIO_OPTIONS = {
  // A persistent cookie (Max-Age), so that a sliding refresh re-sends it with a store storage too.
  cookie: { secrets: [SECRET_A], name: COOKIE_NAME, secure: false, maxAge: 3600 },
  idleTimeout: 3600,
  touchInterval: TOUCH_INTERVAL,
} as const;
/** The Redis store's timeout (ms): an outage answers within it. */
export const REDIS_TIMEOUT = 500;

/** The scenario's storage of `kind`; a Redis one talks to Redis at `redisUrl`. */
export async function scenarioStorage(kind: StorageKind, redisUrl?: string): Promise<{ storage: AppStorage; close(): Promise<void> }> {
  if (kind === "cookie") return { storage: createCookieSessionStorage<AppData, AppFlash>(SCENARIO_OPTIONS), close: async () => {} };
  const client = createClient({ url: redisUrl, socket: { reconnectStrategy: () => 100, connectTimeout: REDIS_TIMEOUT } });
  client.on("error", () => {});
  await client.connect();
  const prefix = `tessera:framework:${Math.random().toString(36).slice(2)}:`;
  const storage = createRedisSessionStorage<AppData, AppFlash>({ ...SCENARIO_OPTIONS, client, prefix, timeout: REDIS_TIMEOUT });
  return { storage, close: () => client.close().catch(() => {}) };
}

/** Where a framework's test gets its app: in this process over `storage`, or in its own over `redisUrl`. */
export type StartApp = (setup: { kind: StorageKind; storage: AppStorage; redisUrl: string | undefined }) => Promise<FrameworkApp>;

/** A browser of one cookie, following redirects by hand. */
class Client {
  cookie: string | null = null;
  constructor(readonly base: string) {}

  async send(method: "GET" | "POST", path: string, cookie = this.cookie): Promise<{ status: number; body: string; setCookie: string | undefined; location: string | null }> {
    const res = await fetch(this.base + path, {
      method,
      redirect: "manual",
      headers: { ...(cookie ? { cookie } : {}), ...(method === "POST" ? { "content-type": "application/x-www-form-urlencoded", origin: this.base } : {}) },
      body: method === "POST" ? "" : undefined,
    });
    const body = await res.text();
    const setCookie = res.headers.getSetCookie().find((line) => line.startsWith(`${COOKIE_NAME}=`));
    if (setCookie) this.cookie = expired(setCookie) ? null : setCookie.split(";")[0]!;
    return { status: res.status, body, setCookie, location: res.headers.get("location") };
  }
}

function expired(setCookie: string): boolean {
  const expires = /;\s*expires=([^;]+)/i.exec(setCookie)?.[1];
  return /;\s*max-age=0(;|$)/i.test(setCookie) || (expires !== undefined && Date.parse(expires) <= Date.now());
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers the scenario's tests for `framework`, whose app `start` starts. */
export function frameworkScenario(framework: string, start: StartApp): void {
  for (const kind of ["cookie", "redis"] as const) {
    describe(`${framework} with a ${kind} storage`, () => {
      let app: FrameworkApp;
      let proxy: TcpProxy | undefined;
      let closeStorage = async () => {};
      let skip: string | false = false;

      before(async () => {
        if (kind === "redis") {
          skip = await need("Redis");
          if (skip) return;
          const target = new URL(REDIS_URL);
          proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
          await proxy.start();
        }
        const redisUrl = proxy ? `redis://127.0.0.1:${proxy.port}` : undefined;
        const made = await scenarioStorage(kind, redisUrl);
        closeStorage = made.close;
        app = await start({ kind, storage: made.storage, redisUrl });
      });
      after(async () => {
        await app?.close();
        await closeStorage();
        await proxy?.stop();
      });

      test("a counter counts per client, a sign-in regenerates, its flash shows once, sign-out expires the cookie", async (t) => {
        if (skip) return t.skip(skip);
        const user = new Client(app.url);
        assert.deepEqual(await user.send("GET", "/count").then((r) => [r.status, r.body]), [200, "1"]);
        assert.ok(user.cookie, "the first write sets the cookie");
        assert.equal((await user.send("GET", "/count")).body, "2");
        assert.equal((await new Client(app.url).send("GET", "/count")).body, "1", "another client has its own count");

        const anonymous = user.cookie;
        const signin = await user.send("POST", "/signin");
        assert.equal(signin.status, 303);
        assert.equal(new URL(signin.location!, app.url).pathname, "/");
        assert.ok(signin.setCookie, "signing in sends a new cookie");
        assert.notEqual(user.cookie, anonymous);
        if (kind === "redis") {
          const old = await user.send("GET", "/", anonymous);
          assert.deepEqual(JSON.parse(old.body), { user: null, notice: null }, "the pre-login id is dead (no fixation)");
        }
        assert.deepEqual(JSON.parse((await user.send("GET", "/")).body), { user: "ann", notice: "Welcome ann" });
        assert.deepEqual(JSON.parse((await user.send("GET", "/")).body), { user: "ann", notice: null }, "a flash shows once");
        assert.equal((await user.send("GET", "/count")).body, "3", "values survive the sign-in");

        const signedIn = user.cookie;
        const signout = await user.send("POST", "/signout");
        assert.equal(signout.status, 303);
        assert.ok(signout.setCookie && expired(signout.setCookie), `sign-out expires the cookie: ${signout.setCookie}`);
        assert.equal(user.cookie, null);
        if (kind === "redis") {
          assert.deepEqual(JSON.parse((await user.send("GET", "/", signedIn)).body), { user: null, notice: null }, "the old cookie is worthless");
        }
      });

      test("a read sends no cookie until a sliding refresh is due, then one", async (t) => {
        if (skip) return t.skip(skip);
        const user = new Client(app.url);
        await user.send("GET", "/count");
        const fresh = await user.send("GET", "/peek");
        assert.deepEqual([fresh.status, JSON.parse(fresh.body), fresh.setCookie], [200, { count: 1 }, undefined]);
        await sleep(REFRESH_DUE_MS);
        const due = await user.send("GET", "/peek");
        assert.equal(due.status, 200);
        assert.ok(due.setCookie, "the refresh is due: the cookie is sent again");
        assert.equal((await user.send("GET", "/peek")).setCookie, undefined, "and not again right after");
      });

      test("a handler that throws leaves the session unsaved", async (t) => {
        if (skip) return t.skip(skip);
        const user = new Client(app.url);
        await user.send("GET", "/count");
        const failed = await user.send("GET", "/fail");
        assert.equal(failed.status, 500);
        assert.equal(failed.setCookie, undefined);
        assert.equal((await user.send("GET", "/count")).body, "2", "the 999 was never saved");
      });

      if (kind === "redis") {
        test("a store outage answers 503 and leaves the client's cookie alone; the app recovers", async (t) => {
          if (skip) return t.skip(skip);
          const user = new Client(app.url);
          await user.send("GET", "/count");
          const cookie = user.cookie;
          await proxy!.stop();
          try {
            const down = await user.send("GET", "/count");
            assert.equal(down.status, 503);
            assert.equal(down.setCookie, undefined);
            assert.equal(user.cookie, cookie);
          } finally {
            await proxy!.start();
          }
          let back = "";
          for (let i = 0; i < 50 && back !== "2"; i++) {
            const r = await user.send("GET", "/count");
            back = r.status === 200 ? r.body : "";
            if (back !== "2") await sleep(100);
          }
          assert.equal(back, "2", "the same session, once Redis is back");
        });
      }
    });
  }
}
