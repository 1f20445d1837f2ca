// examples/next in a real browser: Debian's Chromium driven by playwright-core, against
// `next build` + `next start` (test/frameworks/next-app.ts). Sign in through a Route Handler,
// the flash shown once, the counter and sign-out as Server Actions (fetched by the App Router),
// and, over a store, "log out everywhere else" with its flash after the action's redirect.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, needChromium } from "../chromium.js";
import { startNext, type NextServer } from "./next-app.js";

const skip = needChromium();
const shots = "test-results/screenshots";
let browser: Browser;

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
after(() => browser?.close());

async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.fill('input[name="name"]', name);
  await page.click("#sign-in");
  await page.waitForSelector("#user");
}

for (const kind of ["memory", "cookie"] as const) {
  describe(`examples/next in Chromium, ${kind} storage`, { skip }, () => {
    let app: NextServer;
    before(async () => {
      app = await startNext({ SESSION_STORAGE: kind });
    });
    after(() => app?.close());

    test("sign in, the flash shown once, a counter, sign out", async () => {
      const context = await browser.newContext({ viewport: { width: 800, height: 560 } });
      const page = await context.newPage();
      await signIn(page, app.url, "Ann");
      assert.equal(new URL(page.url()).pathname, "/");
      assert.equal(await page.textContent("#notice"), "Welcome, Ann!");
      assert.equal(await page.textContent("#user"), "Ann");
      await page.screenshot({ path: `${shots}/next-${kind}-signed-in.png` });
      await page.reload();
      assert.equal(await page.locator("#notice").count(), 0, "the flash is gone after a reload");

      await page.click("#count-button");
      await page.waitForFunction(() => document.querySelector("#count")?.textContent === "1");
      await page.click("#count-button");
      await page.waitForFunction(() => document.querySelector("#count")?.textContent === "2");
      await page.reload();
      assert.equal(await page.textContent("#count"), "2", "the Server Action saved it");

      const [cookie] = await context.cookies();
      assert.equal(cookie?.name, "sid");
      assert.equal(cookie?.httpOnly, true);
      assert.equal(await page.evaluate(() => document.cookie), "", "HttpOnly");

      await page.click("#sign-out");
      await page.waitForSelector("#sign-in");
      assert.equal(await page.locator("#user").count(), 0);
      assert.deepEqual(await context.cookies(), [], "the cookie is gone");
      await page.reload();
      assert.equal(await page.locator("#sign-in").count(), 1, "still signed out");
      await context.close();
    });

    if (kind === "memory") {
      test("log out everywhere else: the other browser is signed out, and the flash after the action's redirect shows once", async () => {
        const first = await browser.newContext();
        const second = await browser.newContext();
        const a = await first.newPage();
        const b = await second.newPage();
        await signIn(a, app.url, "Bea");
        await signIn(b, app.url, "Bea");
        await b.click("#log-out-elsewhere");
        await b.waitForFunction(() => document.querySelector("#notice")?.textContent === "Signed out 1 other session.");
        await b.screenshot({ path: `${shots}/next-logged-out-elsewhere.png` });
        await b.reload();
        assert.equal(await b.locator("#notice").count(), 0, "shown once");
        assert.equal(await b.textContent("#user"), "Bea", "this browser stays signed in");
        await a.reload();
        assert.equal(await a.locator("#sign-in").count(), 1, "the other browser is signed out");
        await first.close();
        await second.close();
      });
    }
  });
}
