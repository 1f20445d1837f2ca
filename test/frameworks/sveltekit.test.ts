// tessera-session/sveltekit over HTTP: test/frameworks/sveltekit-app built with `vite build` and run
// with adapter-node (`node build/index.js`). First the framework scenario (test/frameworks/scenario.ts)
// on +server.ts routes, over a cookie and a Redis storage (its POST /signin asks for no HTML, so
// SvelteKit gives it to the route's endpoint, not to the page's form action); then
// what is SvelteKit's own: redirect() and error() thrown from loads, actions and endpoints, a page
// re-rendered by its action, currentSession() in an endpoint, event.cookies, setHeaders; and a
// Redis store that fails while a session is saved.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { keysUnder } from "../redis-clients.js";
import { REDIS_URL, need } from "../services.js";
import { TcpProxy } from "../tcp-proxy.js";
import { startSvelteKit, type SvelteKitServer } from "./sveltekit-app.js";
import { COOKIE_NAME, frameworkScenario, REFRESH_DUE_MS } from "./scenario.js";

// Asked before any test is registered: the first one's `vite build` blocks this process for
// seconds, which a reachability check running meanwhile would take for an outage.
const skipRedis = await need("Redis");

/** Removes what an app process left in Redis under `prefix`. */
async function dropKeys(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const keys = await keysUnder(client, prefix);
    if (keys.length) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

frameworkScenario("SvelteKit 2 (adapter-node)", async ({ kind, redisUrl }) => {
  const prefix = `tessera:sveltekit-test:${randomBytes(4).toString("hex")}:`;
  const server = await startSvelteKit({ SESSION_STORAGE: kind, REDIS_URL: redisUrl, REDIS_PREFIX: prefix });
  // The app's Redis keys go with it.
  return { url: server.url, close: () => server.close().then(() => (kind === "redis" ? dropKeys(prefix) : undefined)) };
});

/** A response as the tests read it: its body as text, and the session's Set-Cookie line picked out. */
interface Answer {
  status: number;
  headers: Headers;
  body: string;
  setCookie: string | undefined;
}

/** A client of one cookie, following no redirect. */
class Client {
  cookie: string | null = null;
  constructor(readonly base: string) {}

  /** GET `path`, or POST an empty form to it with the Origin that SvelteKit's CSRF check wants; no redirect followed. */
  async send(path: string, { post = false, headers = {} }: { post?: boolean; headers?: Record<string, string> } = {}): Promise<Answer> {
    const request = new Request(this.base + path, { method: post ? "POST" : "GET", headers, body: post ? new URLSearchParams() : null, redirect: "manual" });
    if (post) request.headers.set("origin", this.base);
    if (this.cookie) request.headers.set("cookie", this.cookie);
    const res = await fetch(request);
    const setCookie = res.headers.getSetCookie().find((line) => line.startsWith(`${COOKIE_NAME}=`));
    if (setCookie) this.cookie = setCookie.split(";")[0]!;
    return { status: res.status, headers: res.headers, body: await res.text(), setCookie };
  }

  /** The count the session holds, read without changing it. */
  async count(): Promise<number | null> {
    return (JSON.parse((await this.send("/peek")).body) as { count: number | null }).count;
  }
}

describe("SvelteKit specifics, cookie storage", () => {
  let app: SvelteKitServer;
  before(async () => {
    app = await startSvelteKit({ SESSION_STORAGE: "cookie" });
  });
  after(() => app?.close());

  test("POST /signin: a browser's form goes to the form action, whose redirect(303) carries the new cookie; use:enhance's post too", async () => {
    const html = { accept: "text/html,application/xhtml+xml" };
    const browser = new Client(app.url);
    const page = await browser.send("/signin", { headers: html });
    assert.deepEqual([page.status, /<form method="POST">/.test(page.body), page.setCookie], [200, true, undefined], "the page itself sets no cookie");
    const posted = await browser.send("/signin", { post: true, headers: html });
    assert.deepEqual([posted.status, posted.headers.get("location"), posted.body], [303, "/?via=action", ""]);
    assert.match(posted.setCookie ?? "", /^sid=[^;]+; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
    assert.deepEqual(JSON.parse((await browser.send("/")).body), { user: "ann", notice: "Welcome ann" });

    // use:enhance asks for JSON: SvelteKit answers the redirect as a 200 that tells the browser where to go.
    const enhanced = new Client(app.url);
    const json = await enhanced.send("/signin", { post: true, headers: { accept: "application/json", "x-sveltekit-action": "true" } });
    assert.equal(json.status, 200);
    assert.deepEqual(JSON.parse(json.body), { type: "redirect", status: 303, location: "/?via=action" });
    assert.ok(json.setCookie, "the session is saved with it");
    assert.deepEqual(JSON.parse((await enhanced.send("/")).body), { user: "ann", notice: "Welcome ann" });

    // A client that asks for no HTML (the scenario's) reaches the route's +server.ts POST instead.
    const api = await new Client(app.url).send("/signin", { post: true });
    assert.deepEqual([api.status, api.headers.get("location"), !!api.setCookie], [303, "/", true]);
  });

  test("a named action that returns data: the page SvelteKit renders after it sees the change, and it is saved", async () => {
    const user = new Client(app.url);
    const rendered = await user.send("/counter?/increment", { post: true, headers: { accept: "text/html" } });
    assert.equal(rendered.status, 200);
    assert.match(rendered.body, /<p id="count">1<\/p>/);
    assert.ok(rendered.setCookie);
    assert.match((await user.send("/counter")).body, /<p id="count">1<\/p>/);
    assert.equal(await user.count(), 1);
  });

  test("redirect() thrown from a load and from an endpoint saves the session with the redirect", async () => {
    const user = new Client(app.url);
    const moved = await user.send("/moved");
    assert.deepEqual([moved.status, moved.headers.get("location"), !!moved.setCookie], [302, "/peek", true]);
    assert.equal(await user.count(), 302);
    const out = await user.send("/signout", { post: true });
    assert.deepEqual([out.status, out.headers.get("location")], [303, "/"]);
    assert.match(out.setCookie ?? "", /^sid=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/);
  });

  test("error(401) thrown from an endpoint or a load is an answer, not a failure: the 401 saves what the route changed", async () => {
    const user = new Client(app.url);
    const endpoint = await user.send("/unauthorized");
    assert.deepEqual([endpoint.status, JSON.parse(endpoint.body), !!endpoint.setCookie], [401, { message: "sign in first" }, true]);
    assert.equal(endpoint.headers.get("cache-control"), "no-store");
    assert.equal(await user.count(), 401);
    const load = await user.send("/guarded", { headers: { accept: "text/html" } });
    assert.equal(load.status, 401);
    assert.match(load.body, /sign in first/, "SvelteKit's error page");
    assert.ok(load.setCookie);
    assert.equal(await user.count(), 402);
  });

  test("an unexpected error in an endpoint or a load is a 500 that saves nothing", async () => {
    const user = new Client(app.url);
    await user.send("/count");
    for (const path of ["/fail", "/crash"]) {
      const failed = await user.send(path);
      assert.deepEqual([failed.status, failed.setCookie, failed.headers.get("cache-control")], [500, undefined, null], path);
    }
    assert.equal(await user.count(), 1);
  });

  test("a client-side navigation's data (__data.json) whose load failed saves nothing: SvelteKit answers it 200, the error inside", async () => {
    const user = new Client(app.url);
    await user.send("/count");
    // What the browser asks for when it navigates to a page: the page's node invalidated, the root layout's not.
    for (const path of ["/crash/__data.json?x-sveltekit-invalidated=01", "/streamed/crash/__data.json?x-sveltekit-invalidated=011"]) {
      const failed = await user.send(path);
      assert.equal(failed.status, 200, path);
      assert.match(failed.body, /"type":"error"/, path);
      assert.equal(failed.setCookie, undefined, path);
    }
    assert.equal(await user.count(), 1);
  });

  test("a client-side navigation's data is saved when its load succeeded or ended with error(401), as the document is; a streamed one arrives whole", async () => {
    const user = new Client(app.url);
    const guarded = await user.send("/guarded/__data.json?x-sveltekit-invalidated=01");
    assert.deepEqual([guarded.status, /"type":"error"/.test(guarded.body), /"status":401/.test(guarded.body), !!guarded.setCookie], [200, true, true, true]);
    assert.equal(await user.count(), 402);
    const streamed = await user.send("/streamed/ok/__data.json?x-sveltekit-invalidated=011");
    assert.deepEqual([streamed.status, streamed.headers.get("content-type"), !!streamed.setCookie], [200, "text/sveltekit-data", true]);
    // devalue's form: the page's data `{ count: 403 }`, then the layout's promise as a chunk of its own.
    assert.match(streamed.body, /^\{"type":"data".*\[\{"count":1\},403\]/);
    assert.match(streamed.body, /\n\{"type":"chunk","id":1,"data":\["streamed"\]\}\n$/, "the promise's chunk after the first line");
    assert.equal(await user.count(), 403);
  });

  test("a page whose load counts through the app's own endpoint (SvelteKit's fetch) keeps the endpoint's write: one cookie, refresh due or not", async () => {
    const user = new Client(app.url);
    await user.send("/count");
    for (const expected of [2, 3]) {
      if (expected === 3) await new Promise((resolve) => setTimeout(resolve, REFRESH_DUE_MS));
      const page = await user.send("/nested", { headers: { accept: "text/html" } });
      assert.match(page.body, new RegExp(`<p id="counted">${expected - 1} then ${expected}</p>`));
      assert.equal(page.headers.getSetCookie().filter((line) => line.startsWith(`${COOKIE_NAME}=`)).length, 1, page.headers.getSetCookie().join("\n"));
      assert.deepEqual([page.headers.get("cache-control"), page.headers.get("vary")], ["no-store", "Cookie"], "the page carries a session cookie");
      assert.equal(await user.count(), expected);
    }
  });

  test("currentSession() in a +server.ts, after an await, is event.locals.session, and what it changes is saved", async () => {
    const user = new Client(app.url);
    const res = await user.send("/current");
    assert.deepEqual([res.status, JSON.parse(res.body), !!res.setCookie], [200, { same: true }, true]);
    assert.equal(await user.count(), 5);
  });

  test("the app's own event.cookies.set and the session cookie both reach the client", async () => {
    const res = await new Client(app.url).send("/theme");
    const lines = res.headers.getSetCookie();
    assert.equal(lines.length, 2, lines.join("\n"));
    // SvelteKit's own line first (its cookies are Secure by default, off localhost too), then the session's.
    assert.equal(lines[0], "theme=dark; Path=/; Secure; SameSite=Lax");
    assert.match(lines[1]!, /^sid=[^;]+; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
  });

  test("Cache-Control: no-store and Vary: Cookie come with the session cookie; the app's own setHeaders values are kept and joined", async () => {
    const user = new Client(app.url);
    const written = await user.send("/count");
    assert.deepEqual([written.headers.get("cache-control"), written.headers.get("vary")], ["no-store", "Cookie"]);
    const read = await user.send("/peek");
    assert.deepEqual([read.setCookie, read.headers.get("cache-control"), read.headers.get("vary")], [undefined, null, null], "a read sends no cookie and no header of its own");
    const own = await user.send("/cached");
    assert.ok(own.setCookie);
    assert.deepEqual([own.headers.get("cache-control"), own.headers.get("vary")], ["private, max-age=5", "Accept-Language, Cookie"]);
  });
});

describe("SvelteKit specifics, Redis storage", () => {
  const skip = skipRedis;
  const prefix = `tessera:sveltekit-test:${randomBytes(4).toString("hex")}:`;
  const target = new URL(REDIS_URL);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  let app: SvelteKitServer;
  before(async () => {
    if (skip) return;
    await proxy.start();
    app = await startSvelteKit({ SESSION_STORAGE: "redis", REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_PREFIX: prefix });
  });
  after(async () => {
    await app?.close();
    await proxy.stop();
    if (!skip) await dropKeys(prefix);
  });

  test("a store that fails while the session is saved answers 503, sets no cookie and saves nothing; the same session goes on once it is back", { skip }, async () => {
    const user = new Client(app.url);
    assert.equal((await user.send("/count")).body, "1");
    const cookie = user.cookie;
    // The read before the route succeeds; the store is cut while the route waits, so the save after it fails.
    const slow = user.send("/slow-count?wait=400");
    await new Promise((resolve) => setTimeout(resolve, 150));
    await proxy.stop();
    let failed: Answer;
    try {
      failed = await slow;
    } finally {
      await proxy.start();
    }
    assert.deepEqual([failed.status, failed.setCookie, user.cookie], [503, undefined, cookie]);
    let count: number | null = null;
    for (let i = 0; i < 50 && count === null; i++) {
      count = await user.count().catch(() => null);
      if (count === null) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(count, 1, "the failed save counted nothing, and the session is still there");
    assert.equal((await user.send("/count")).body, "2");
  });
});
