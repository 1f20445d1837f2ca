// The demo in a real browser: Debian's Chromium driven by playwright-core.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, needChromium } from "./chromium.js";
import { listen } from "./bare-server.js";
import { startDemo, type ServerProcess } from "./server-process.js";
import { SECRET_A } from "./helpers.js";

const skip = needChromium();
const shots = "test-results/screenshots";
let demo: ServerProcess;
let browser: Browser;
let dataDir: string;

before(async () => {
  if (skip) return;
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "tessera-demo-"));
  demo = await startDemo({ DATA_DIR: dataDir, SESSION_SECRET: SECRET_A });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the demo in Chromium", { skip }, () => {
  test("sign in, a flash shown once, a counter, an HttpOnly cookie, revoking another browser, and sign out", async () => {
    const alice = await browser.newContext({ viewport: { width: 900, height: 640 } });
    const a = await alice.newPage();
    await a.goto(demo.url);
    await a.screenshot({ path: `${shots}/sign-in.png` });
    await a.fill('input[name="name"]', "Ann");
    await a.click('button[type="submit"]');
    await a.waitForURL(/\/dashboard$/);
    assert.equal(await a.textContent("#notice"), "Welcome, Ann!");
    assert.equal(await a.textContent("#user"), "Ann");
    assert.equal(await a.textContent("#count"), "1");
    await a.screenshot({ path: `${shots}/dashboard.png` });

    await a.reload();
    assert.equal(await a.locator("#notice").count(), 0, "the flash is gone after a reload");
    assert.equal(await a.textContent("#count"), "2", "the counter increments");

    assert.equal(await a.evaluate(() => document.cookie), "", "the session cookie is HttpOnly");
    const cookies = await alice.cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0]!.name, "demo_session");
    assert.equal(cookies[0]!.httpOnly, true);
    assert.equal(cookies[0]!.sameSite, "Lax");
    assert.equal(cookies[0]!.secure, true, "Secure by default, kept by the browser over http://127.0.0.1");

    // A second browser signs in as the same user and signs the first one out.
    const bob = await browser.newContext({ viewport: { width: 900, height: 640 }, userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" });
    const b = await bob.newPage();
    await b.goto(demo.url);
    await b.fill('input[name="name"]', "Ann");
    await b.click('button[type="submit"]');
    await b.waitForURL(/\/dashboard$/);
    await b.click('a[href="/sessions"]');
    await b.waitForURL(/\/sessions$/);
    assert.equal(await b.locator("#sessions tr").count(), 2);
    assert.match((await b.textContent("#sessions"))!, /Firefox on Linux \(this one\)/);
    await b.screenshot({ path: `${shots}/sessions.png` });
    await b.locator("#sessions tr", { hasNotText: "this one" }).locator("button").click();
    await b.waitForURL(/\/sessions$/);
    assert.equal(await b.textContent("#notice"), "That session is signed out.");
    assert.equal(await b.locator("#sessions tr").count(), 1);

    await a.reload();
    assert.match(a.url(), /\/$/, "the revoked browser is signed out on its next request");
    assert.equal(await a.locator("#user").count(), 0);

    // Sign out, then Back: no private data comes back from a cache.
    await b.goto(`${demo.url}dashboard`);
    assert.equal(await b.textContent("#user"), "Ann");
    await b.click("#signout");
    await b.waitForURL(/\/$/);
    assert.equal(await b.textContent("#notice"), "You are signed out.");
    await b.goBack();
    await b.waitForLoadState();
    assert.equal(await b.locator("#user").count(), 0, "Back shows no private data");
    assert.doesNotMatch((await b.content()), /Signed in as/);
    await b.screenshot({ path: `${shots}/after-sign-out-back.png` });
    await alice.close();
    await bob.close();
  });

  test("over http://localhost the Secure default cookie keeps the session across requests", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const local = demo.url.replace("127.0.0.1", "localhost");
    await page.goto(local);
    await page.fill('input[name="name"]', "Lou");
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/dashboard$/);
    await page.goto(`${local}dashboard`);
    assert.equal(await page.textContent("#user"), "Lou", "still signed in on the next request");
    const [cookie] = await context.cookies();
    assert.equal(cookie?.secure, true);
    assert.equal(new URL(local).hostname, "localhost");
    await context.close();
  });

  test("signing out all other sessions needs a recent sign-in: the user confirms who they are and comes back", async () => {
    // A demo whose step-up window is 2 s, so that the test can outwait it.
    const strict = await startDemo({ DATA_DIR: dataDir, SESSION_SECRET: SECRET_A, STEP_UP_MAX_AGE: "2" });
    try {
      const [one, two] = [await browser.newContext(), await browser.newContext()];
      const [p1, p2] = [await one.newPage(), await two.newPage()];
      for (const page of [p1, p2]) {
        await page.goto(strict.url);
        await page.fill('input[name="name"]', "Sue");
        await page.click('button[type="submit"]');
        await page.waitForURL(/\/dashboard$/);
      }
      await p2.goto(`${strict.url}sessions`);
      await new Promise((r) => setTimeout(r, 2300));
      await p2.click("#revoke-others");
      await p2.waitForURL(/\/reauth\?return_to=%2Fsessions$/);
      assert.equal(await p2.textContent("#notice"), "Confirm it is you to sign out your other sessions.");
      await p2.fill('input[name="name"]', "Someone else");
      await p2.click("#confirm");
      await p2.waitForURL(/\/reauth\?return_to=%2Fsessions$/);
      assert.equal(await p2.textContent("#error"), "That is not the name you signed in with.");
      await p2.fill('input[name="name"]', "Sue");
      await p2.click("#confirm");
      await p2.waitForURL(/\/sessions$/);
      assert.equal(await p2.textContent("#notice"), "Thanks, confirmed. Go ahead.");
      assert.equal(await p2.locator("#sessions tr").count(), 2, "nothing was signed out before the confirmation");
      await p2.click("#revoke-others");
      await p2.waitForURL(/\/sessions$/);
      assert.equal(await p2.textContent("#notice"), "1 other session signed out.");
      await p1.reload();
      assert.equal(await p1.locator("#user").count(), 0, "the other browser is signed out");
      await one.close();
      await two.close();
    } finally {
      await strict.stop();
    }
  });

  test("on cookie sessions: long notes in two chunked cookies; signing out the other sessions, and signing out, end every copy", async () => {
    const cookieDemo = await startDemo({ DATA_DIR: dataDir, SESSION_SECRET: SECRET_A, SESSION_STORE: "cookie" });
    try {
      const [one, two, thief] = [await browser.newContext(), await browser.newContext(), await browser.newContext()];
      const [p1, p2, p3] = [await one.newPage(), await two.newPage(), await thief.newPage()];
      for (const page of [p1, p2]) {
        await page.goto(cookieDemo.url);
        await page.fill('input[name="name"]', "Cat");
        await page.click('button[type="submit"]');
        await page.waitForURL(/\/dashboard$/);
      }
      assert.equal(await p1.textContent("#store"), "cookie");
      await p2.goto(`${cookieDemo.url}sessions`);
      await p2.click("#revoke-others");
      await p2.waitForURL(/\/sessions$/);
      assert.equal(await p2.textContent("#notice"), "Your other sessions are signed out.");
      await p1.goto(`${cookieDemo.url}dashboard`);
      await p1.waitForURL(/\/$/);
      assert.equal(await p1.locator("#user").count(), 0, "the first browser is signed out");
      await p2.goto(`${cookieDemo.url}dashboard`);
      assert.equal(await p2.textContent("#user"), "Cat", "the browser that asked stays signed in");

      // Long notes make the session too large for one cookie: it goes out as two, and comes back whole.
      const notes = "Remember the milk. ".repeat(150).slice(0, 3000);
      await p2.fill("#notes", notes);
      await p2.click("#save-notes");
      await p2.waitForURL(/\/dashboard$/);
      assert.equal(await p2.textContent("#notice"), "Notes saved.");
      assert.deepEqual((await two.cookies()).map((c) => c.name).sort(), ["demo_session.0", "demo_session.1"]);
      await p2.reload();
      assert.equal(await p2.inputValue("#notes"), notes);
      assert.equal(await p2.textContent("#count"), "4", "the counter goes on through the chunked cookies");
      await p2.fill("#notes", "");
      await p2.click("#save-notes");
      await p2.waitForURL(/\/dashboard$/);
      assert.deepEqual((await two.cookies()).map((c) => c.name), ["demo_session"], "back in one cookie, the chunks expired");
      await p2.fill("#notes", notes);
      await p2.click("#save-notes");
      await p2.waitForURL(/\/dashboard$/);

      // A copy of the second browser's cookie, as malware or a shared computer would keep it.
      await thief.addCookies(await two.cookies());
      await p3.goto(`${cookieDemo.url}dashboard`);
      assert.equal(await p3.textContent("#user"), "Cat");
      await p2.click("#signout");
      await p2.waitForURL(/\/$/);
      await p3.goto(`${cookieDemo.url}dashboard`);
      await p3.waitForURL(/\/$/);
      assert.equal(await p3.locator("#user").count(), 0, "the copy of the signed-out cookie opens nothing");
      await Promise.all([one.close(), two.close(), thief.close()]);
    } finally {
      await cookieDemo.stop();
    }
  });

  test("a form on another site's page that posts to the demo is refused (403) and changes nothing", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(demo.url);
    await page.fill('input[name="name"]', "Cy");
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/dashboard$/);
    // The attacker's page: another site (localhost is not 127.0.0.1), a form that posts itself to the demo.
    const evil = await listen(
      createServer((_req, res) => {
        res.writeHead(200, { "Content-Type": "text/html" });
        res.end(`<form id="f" method="post" action="${demo.url}signout"><input name="_csrf" value="guess"></form><script>f.submit()</script>`);
      }),
    );
    try {
      await page.goto(evil.url.replace("127.0.0.1", "localhost"));
      await page.waitForURL(`${demo.url}signout`);
      assert.equal(await page.textContent("#error"), "Forbidden: this request came from another site's page");
      await page.goto(`${demo.url}dashboard`);
      assert.equal(await page.textContent("#user"), "Cy", "still signed in");
      // The demo's own form, with its token, still works.
      await page.click("#signout");
      await page.waitForURL(/\/$/);
      assert.equal(await page.textContent("#notice"), "You are signed out.");
    } finally {
      await evil.close();
      await context.close();
    }
  });

  test("an empty name is refused with a flash error", async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(demo.url);
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/$/);
    assert.equal(await page.textContent("#error"), "Please enter a name of 1 to 40 characters.");
    await page.reload();
    assert.equal(await page.locator("#error").count(), 0);
    await ctx.close();
  });
});
