import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair } from "../../../test/helpers.js";
import { runScript } from "../../../test/isolated.js";
import { createCookieSessionStorage } from "./cookie-storage.js";
import { createMemorySessionStorage } from "../storages/memory.js";

describe("secrets that arrive after the storage is made", () => {
  test("are asked for once, at the first request that needs the keys, then kept", async () => {
    let asked = 0;
    let env: { SESSION_SECRET?: string } = {};
    const storage = createCookieSessionStorage({ cookie: { secrets: async () => (asked++, [env.SESSION_SECRET]) } });
    assert.equal(asked, 0, "not at creation: a Workers env is not there yet");
    env = { SESSION_SECRET: SECRET_A };
    const s = await storage.read(null);
    s.set("a", 1);
    const first = cookiePair(await storage.save(s));
    for (let i = 0; i < 5; i++) assert.equal((await storage.read(first)).get("a"), 1);
    assert.equal(asked, 1);
    const same = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] } });
    assert.equal((await same.read(first)).get("a"), 1, "the same keys as secrets given at once");
  });

  test("a lookup that fails fails that request, and the next one asks again", async () => {
    let calls = 0;
    const storage = createMemorySessionStorage({
      cookie: {
        secrets: () => {
          calls++;
          if (calls === 1) throw new Error("KMS unreachable");
          return [SECRET_A];
        },
      },
    });
    const s = await storage.read(null);
    s.set("a", 1);
    await assert.rejects(storage.save(s), /KMS unreachable/);
    const again = await storage.read(null);
    again.set("a", 1);
    assert.ok(await storage.save(again));
    assert.equal(calls, 2);
  });

  test("in production, late secrets that turn out unset are a SessionConfigError at the first request", async () => {
    const run = await runScript(
      import.meta.url,
      `
      import { createCookieSessionStorage } from "./cookie-storage.js";
      import { SessionConfigError } from "../errors.js";
      const storage = createCookieSessionStorage({ cookie: { secrets: () => [undefined] } });
      const s = await storage.read(null);
      s.set("a", 1);
      const outcome = await storage.save(s).then(
        () => ({ saved: true }),
        (e) => ({ configError: e instanceof SessionConfigError, message: e.message }),
      );
      console.log(JSON.stringify(outcome));
      `,
      { NODE_ENV: "production" },
    );
    assert.deepEqual({ code: run.code, stderr: run.stderr }, { code: 0, stderr: "" });
    const outcome = JSON.parse(run.stdout) as { configError?: boolean; message?: string };
    assert.equal(outcome.configError, true);
    assert.match(outcome.message!, /every entry is undefined/);
  });
});
