// The example `npm start` runs, started as a real process and driven over real HTTP.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { SECRET_A } from "./helpers.js";

let child: ReturnType<typeof spawn>;
let base = "";

before(async () => {
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  child = spawn(process.execPath, ["examples/counter/server.js"], {
    env: { ...process.env, PORT: "0", SESSION_SECRET: SECRET_A },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  base = /http:\/\/127\.0\.0\.1:\d+\//.exec(line.toString())![0];
});

after(() => child.kill());

test("the counter example counts across requests and flashes once after a redirect", async () => {
  const first = await fetch(base);
  assert.equal(first.status, 200);
  assert.match(await first.text(), /<strong id="count">1<\/strong>/);
  const setCookie = first.headers.get("set-cookie")!;
  assert.match(setCookie, /^__Host-session=E1\.[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/, "Secure by default, also over http://127.0.0.1");
  let cookie = setCookie.split(";")[0]!;

  const second = await fetch(base, { headers: { cookie } });
  assert.match(await second.text(), /<strong id="count">2<\/strong>/);
  cookie = second.headers.get("set-cookie")!.split(";")[0]!;

  const reset = await fetch(`${base}reset`, { method: "POST", headers: { cookie }, redirect: "manual" });
  assert.equal(reset.status, 303);
  assert.equal(reset.headers.get("location"), "/");
  cookie = reset.headers.get("set-cookie")!.split(";")[0]!;

  const flashed = await fetch(base, { headers: { cookie } });
  const html = await flashed.text();
  assert.match(html, /<p class="notice" role="status">Counter reset.<\/p>/);
  assert.match(html, /<strong id="count">1<\/strong>/);
  cookie = flashed.headers.get("set-cookie")!.split(";")[0]!;

  const after = await fetch(base, { headers: { cookie } });
  const html2 = await after.text();
  assert.doesNotMatch(html2, /Counter reset/);
  assert.match(html2, /<strong id="count">2<\/strong>/);
});

test("a tampered cookie starts a fresh session instead of failing", async () => {
  const res = await fetch(base, { headers: { cookie: "session=E1.AAAAAAAA.garbage" } });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /<strong id="count">1<\/strong>/);
});
