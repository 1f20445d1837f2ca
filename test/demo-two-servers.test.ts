// Two demo processes on two ports sharing one Redis (then one PostgreSQL):
// signed in on one, the same cookie carries on at the other.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { before, describe, test } from "node:test";
import { Redis } from "ioredis";
import pg from "pg";
import { startDemo } from "./server-process.js";
import { SECRET_A } from "./helpers.js";
import { keysUnder } from "./redis-clients.js";
import { DATABASE_URL, REDIS_URL, need } from "./services.js";

const redisSkip = await need("Redis");
const pgSkip = await need("PostgreSQL");

before(() => execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" }));

/** The CSRF token a demo page's forms carry. */
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

async function signInOnOneContinueOnOther(env: Record<string, string>) {
  const a = await startDemo({ ...env, SESSION_SECRET: SECRET_A });
  const b = await startDemo({ ...env, SESSION_SECRET: SECRET_A });
  try {
    assert.notEqual(a.url, b.url);
    // The sign-in form, and its CSRF token, as a browser gets them.
    const page = await fetch(a.url);
    const anonymous = page.headers.getSetCookie()[0]!.split(";")[0]!;
    const signin = await fetch(`${a.url}signin`, {
      method: "POST",
      headers: { cookie: anonymous },
      body: new URLSearchParams({ name: "Ann", _csrf: csrfOf(await page.text()) }),
      redirect: "manual",
    });
    assert.equal(signin.status, 303);
    const cookie = signin.headers.getSetCookie()[0]!.split(";")[0]!;
    const onA = await (await fetch(`${a.url}dashboard`, { headers: { cookie } })).text();
    assert.match(onA, /id="user">Ann</);
    assert.match(onA, /id="count">1</);
    const onB = await (await fetch(`${b.url}dashboard`, { headers: { cookie } })).text();
    assert.match(onB, /id="user">Ann</, "the other server knows the session");
    assert.match(onB, /id="count">2</, "and continues its data");
    const out = await fetch(`${b.url}signout`, { method: "POST", headers: { cookie }, body: new URLSearchParams({ _csrf: csrfOf(onB) }), redirect: "manual" });
    assert.equal(out.status, 303);
    const after = await fetch(`${a.url}dashboard`, { headers: { cookie }, redirect: "manual" });
    assert.equal(after.status, 303, "signed out on one server is signed out on the other");
  } finally {
    await a.stop();
    await b.stop();
  }
}

describe("two demo servers, one Redis", { skip: redisSkip }, () => {
  test("a session made on one server continues on the other", async () => {
    const prefix = `tessera-test-demo:${randomBytes(4).toString("hex")}:`;
    try {
      await signInOnOneContinueOnOther({ REDIS_URL, REDIS_PREFIX: prefix });
    } finally {
      const redis = new Redis(REDIS_URL);
      const keys = await keysUnder(redis, prefix);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });
});

describe("two demo servers, one PostgreSQL", { skip: pgSkip }, () => {
  test("a session made on one server continues on the other", async () => {
    const table = `tessera_test_demo_${randomBytes(4).toString("hex")}`;
    try {
      await signInOnOneContinueOnOther({ DATABASE_URL, DATABASE_TABLE: table });
    } finally {
      const pool = new pg.Pool({ connectionString: DATABASE_URL });
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    }
  });
});
