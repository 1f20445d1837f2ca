// tessera-session/next over HTTP: examples/next built with `next build` and run with `next start`.
// First the framework scenario (test/frameworks/scenario.ts) on its Route Handlers, over a cookie
// and a Redis storage; then what is Next's own: Server Components that cannot set a cookie, the
// proxy that refreshes and hands a page its flash, Server Actions, redirect() in a Route Handler.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createClient } from "redis";
import { createCookieSessionStorage } from "../../src/lib/engine/cookie-storage.js";
import { HANDOFF_HEADER, sealHandoff } from "../../src/lib/adapters/next-handoff.js";
import { createMemorySessionStorage } from "../../src/lib/storages/memory.js";
import { CookieJar, SECRET_A, SECRET_B } from "../helpers.js";
import { REDIS_URL } from "../services.js";
import { startNext, type NextServer } from "./next-app.js";
import { COOKIE_NAME, frameworkScenario, REFRESH_DUE_MS } from "./scenario.js";

/** Removes what an app process left in Redis under `prefix`. */
async function dropKeys(prefix: string): Promise<void> {
  const client = createClient({ url: REDIS_URL });
  client.on("error", () => {});
  try {
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await client.del(keys);
  } finally {
    await client.close().catch(() => {});
  }
}

frameworkScenario("Next.js 16 (next start)", async ({ kind, redisUrl }) => {
  const prefix = `tessera:next-test:${randomBytes(4).toString("hex")}:`;
  const server = await startNext({ SESSION_STORAGE: kind, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, SCENARIO_ROUTES: "1" });
  return {
    url: server.url,
    async close() {
      await server.close();
      if (kind === "redis") await dropKeys(prefix);
    },
  };
});

interface Answer {
  status: number;
  html: string;
  setCookie: string | undefined;
  location: string | null;
}

/** A browser of one cookie: page loads say `Sec-Fetch-Dest: document`, as a browser's do. */
class Browser {
  cookie: string | null = null;
  constructor(readonly base: string) {}

  async send(path: string, init: { method?: string; headers?: Record<string, string>; body?: FormData | URLSearchParams } = {}): Promise<Answer> {
    const res = await fetch(this.base + path, {
      method: init.method ?? "GET",
      redirect: "manual",
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(init.body ? { origin: this.base } : {}), ...init.headers },
      body: init.body,
    });
    const setCookie = res.headers.getSetCookie().find((line) => line.startsWith(`${COOKIE_NAME}=`));
    if (setCookie) this.cookie = /max-age=0/i.test(setCookie) ? null : setCookie.split(";")[0]!;
    return { status: res.status, html: await res.text(), setCookie, location: res.headers.get("location") };
  }

  page(path: string, headers: Record<string, string> = { "sec-fetch-dest": "document" }): Promise<Answer> {
    return this.send(path, { headers });
  }

  async signIn(name = "ann"): Promise<void> {
    const answer = await this.send("/api/signin", { method: "POST", body: new URLSearchParams({ name }) });
    assert.equal(answer.status, 303);
    assert.ok(this.cookie, "signing in sets the cookie");
  }

  /** Runs the Server Action behind the `n`th form of the page at `path`, as a form without JavaScript posts it. */
  async action(path: string, n: number): Promise<Answer> {
    const ids = [...(await this.page(path)).html.matchAll(/name="(\$ACTION_ID_[0-9a-f]+)"/g)].map((m) => m[1]!);
    assert.ok(ids[n], `the page has a form for action ${n}: ${ids.join(", ")}`);
    const body = new FormData();
    body.set(ids[n]!, "");
    return this.send(path, { method: "POST", body });
  }
}

/** The text of the element with `id` in `html`, or null. */
function text(html: string, id: string): string | null {
  return new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1] ?? null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Memory stands for the stores that hand flash values out as they read them (Redis does too).
for (const kind of ["cookie", "memory"] as const) {
  describe(`Next.js specifics, ${kind} storage`, () => {
    let app: NextServer;
    before(async () => {
      app = await startNext({ SESSION_STORAGE: kind });
    });
    after(() => app?.close());

    test("a Server Component read shows a flash and keeps it until something that can write consumes it", async () => {
      const user = new Browser(app.url);
      await user.signIn();
      for (let i = 0; i < 2; i++) {
        const page = await user.page("/unproxied");
        assert.deepEqual([text(page.html, "user"), text(page.html, "notice")], ["ann", "Welcome, ann!"], `read ${i + 1}`);
        assert.equal(page.setCookie, undefined, "a Server Component sets no cookie");
      }
      const consumed = await user.send("/scenario");
      assert.deepEqual(JSON.parse(consumed.html), { user: "ann", notice: "Welcome, ann!" }, "a Route Handler reads it, and so consumes it");
      assert.equal(text((await user.page("/unproxied")).html, "notice"), "none");
    });

    test("the proxy consumes a page navigation's flash and hands it to that page: shown once", async () => {
      const user = new Browser(app.url);
      await user.signIn();
      const first = await user.page("/");
      assert.equal(text(first.html, "notice"), "Welcome, ann!");
      assert.equal(text(first.html, "user"), "ann");
      assert.equal(text((await user.page("/")).html, "notice"), null, "gone on reload");
      assert.equal(text((await user.page("/unproxied")).html, "notice"), "none", "and everywhere else");
    });

    test("a prefetch, an App Router fetch of the page (RSC) or a script's fetch shows the flash and leaves it in place", async () => {
      const user = new Browser(app.url);
      await user.signIn();
      await user.page("/", { "sec-fetch-dest": "document", "sec-purpose": "prefetch" });
      const rsc = await user.page("/?_rsc", { rsc: "1", "sec-fetch-dest": "empty" });
      assert.equal(rsc.status, 200);
      assert.match(rsc.html, /Welcome, ann!/, "the page's RSC payload shows it");
      await user.page("/", {});
      assert.equal(text((await user.page("/unproxied")).html, "notice"), "Welcome, ann!", "still there");
      assert.equal(text((await user.page("/")).html, "notice"), "Welcome, ann!", "a page load shows it");
      assert.equal(text((await user.page("/unproxied")).html, "notice"), "none", "and consumes it");
    });

    test("the proxy refreshes a page navigation's cookie only when due, and the page already sees the new one", async () => {
      const user = new Browser(app.url);
      await user.signIn();
      await user.page("/");
      const fresh = await user.page("/");
      assert.equal(fresh.setCookie, undefined, "not due: no cookie");
      await sleep(REFRESH_DUE_MS);
      const due = await user.page("/");
      assert.ok(due.setCookie, "due: the cookie is sent again");
      assert.match(due.setCookie, /; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/, "with the storage's attributes as they are");
      assert.equal(text(due.html, "user"), "ann");
      assert.equal((await user.page("/")).setCookie, undefined, "and not again right after");
    });

    test("a handoff the proxy did not make for this session is ignored", async () => {
      const user = new Browser(app.url);
      await user.signIn();
      await user.page("/");
      const token = user.cookie!.slice(COOKIE_NAME.length + 1);
      const sealed = (secret: string, forToken: string) => {
        const cookie = { secrets: [secret], name: COOKIE_NAME, secure: false };
        const like = kind === "cookie" ? createCookieSessionStorage({ cookie }) : createMemorySessionStorage({ cookie });
        return sealHandoff(like, forToken, { notice: "forged" });
      };
      const shown = async (value: string) => text((await user.page("/unproxied", { [HANDOFF_HEADER]: value })).html, "notice");
      assert.equal(await shown("garbage"), "none");
      assert.equal(await shown(await sealed(SECRET_B, token)), "none", "sealed with another secret");
      assert.equal(await shown(await sealed(SECRET_A, `${token}x`)), "none", "sealed for another session");
      // The app's own secret and this very session: the one a proxy would make, and the render honours it.
      assert.equal(await shown(await sealed(SECRET_A, token)), "forged");
    });

    test("Server Actions read and save the session through cookies()", async () => {
      const user = new Browser(app.url);
      await user.signIn();
      const counted = await user.action("/", 0);
      assert.equal(counted.status, 200);
      assert.equal(text(counted.html, "count"), "1", "the page Next renders after the action sees its change");
      assert.equal(text((await user.action("/", 0)).html, "count"), "2");
      assert.equal(text((await user.page("/")).html, "count"), "2", "saved");
      const signedOut = await user.action("/", 1);
      assert.equal(signedOut.status, 303);
      assert.match(signedOut.setCookie ?? "", /^sid=; .*Max-Age=0/i, "redirect() in an action: the expired cookie goes out with it");
      assert.equal(user.cookie, null);
    });

    // Chunks are for cookie sessions: the memory storage's cookie carries an id.
    if (kind === "cookie") test("a session too large for one cookie goes out in chunks, each its own Set-Cookie, through a Route Handler, the proxy and a Server Action", async () => {
      const jar = new CookieJar();
      const send = async (path: string, init: { method?: string; body?: URLSearchParams | FormData; headers?: Record<string, string> } = {}) => {
        const cookie = jar.header();
        const res = await fetch(app.url + path, {
          method: init.method ?? "GET",
          redirect: "manual",
          headers: { ...(cookie ? { cookie } : {}), ...(init.body ? { origin: app.url } : {}), ...init.headers },
          body: init.body,
        });
        const lines = res.headers.getSetCookie();
        jar.take(lines);
        return { status: res.status, html: await res.text(), lines };
      };
      await send("/api/signin", { method: "POST", body: new URLSearchParams({ name: "ann" }) });
      assert.deepEqual(jar.names(), ["sid"]);
      const notes = "n".repeat(3000);
      const grown = await send("/api/notes", { method: "POST", body: new URLSearchParams({ notes }) });
      assert.equal(grown.status, 303);
      assert.deepEqual(grown.lines.map((l) => l.split("=")[0]), ["sid.0", "sid.1", "sid"], "two chunks, and the plain cookie expired");
      assert.ok(grown.lines.every((l) => l.length <= 4096));
      assert.deepEqual(jar.names(), ["sid.0", "sid.1"]);
      const page = await send("/", { headers: { "sec-fetch-dest": "document" } });
      assert.equal(text(page.html, "user"), "ann");
      assert.equal(text(page.html, "notes-length"), "3000");
      // A Server Action saves through cookies(): every line of the chunked session goes out.
      const ids = [...page.html.matchAll(/name="(\$ACTION_ID_[0-9a-f]+)"/g)].map((m) => m[1]!);
      const body = new FormData();
      body.set(ids[0]!, "");
      const counted = await send("/", { method: "POST", body });
      assert.equal(counted.status, 200);
      assert.equal(text(counted.html, "count"), "1");
      assert.deepEqual(jar.names(), ["sid.0", "sid.1"]);
      assert.equal(text((await send("/unproxied")).html, "count"), "1", "saved, in both chunks");
      const shrunk = await send("/api/notes", { method: "POST", body: new URLSearchParams({ notes: "" }) });
      assert.deepEqual(shrunk.lines.map((l) => l.split("=")[0]).sort(), ["sid", "sid.0", "sid.1"]);
      assert.deepEqual(jar.names(), ["sid"], "back in one cookie, the chunks expired");
      assert.equal(text((await send("/unproxied")).html, "count"), "1");
    });

    test("a Route Handler that ends with redirect() saves the session through cookies()", async () => {
      const user = new Browser(app.url);
      await user.signIn();
      const out = await user.send("/api/signout", { method: "POST", body: new URLSearchParams() });
      assert.equal(out.status, 307);
      assert.equal(out.location, "/");
      assert.match(out.setCookie ?? "", /^sid=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=lax$/);
      assert.equal(text((await user.page("/unproxied")).html, "user"), "nobody");
    });
  });
}
