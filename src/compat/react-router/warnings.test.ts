import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A } from "../../../test/helpers.js";
import { lines, runScript } from "../../../test/isolated.js";

const secret = JSON.stringify(SECRET_A);

/**
 * What `source` (with the drop-in imported as `ours`) warns, one message a
 * line: run in a process of its own, since the drop-in warns once per process.
 */
async function warningsOf(source: string): Promise<string[]> {
  const run = await runScript(import.meta.url, `import * as ours from "../../react-router.js";\n${source}`);
  assert.deepEqual({ code: run.code, stdout: run.stdout }, { code: 0, stdout: "" }, run.stderr);
  return lines(run.stderr);
}

describe("react-router's warnings, in the drop-in", () => {
  test("a cookie session storage without secrets warns once, naming the cookie", async () => {
    const warnings = await warningsOf(`
      const storage = ours.createCookieSessionStorage({ cookie: { name: "unsigned_a" } });
      const session = await storage.getSession(null);
      session.set("x", 1);
      await storage.commitSession(session);
      ours.createCookieSessionStorage({ cookie: { name: "unsigned_a" } });
    `);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^tessera\/react-router: the session cookie "unsigned_a" is not signed, so a client can change what it holds/);
  });

  test("every session storage warns for an unsigned cookie, each cookie once", async () => {
    const warnings = await warningsOf(`
      ours.createMemorySessionStorage({ cookie: { name: "unsigned_b" } });
      ours.createSessionStorage({
        cookie: ours.createCookie("unsigned_c"),
        createData: async () => "id",
        readData: async () => null,
        updateData: async () => {},
        deleteData: async () => {},
      });
    `);
    assert.deepEqual(
      warnings.map((w) => /"(\w+)"/.exec(w)![1]),
      ["unsigned_b", "unsigned_c"],
    );
  });

  test("a signed cookie warns of nothing", async () => {
    const warnings = await warningsOf(`
      ours.createCookieSessionStorage({ cookie: { name: "signed_a", secrets: [${secret}] } });
      ours.createMemorySessionStorage({ cookie: ours.createCookie("signed_b", { secrets: [${secret}] }) });
    `);
    assert.deepEqual(warnings, []);
  });

  test("a cookie given a fixed expires warns once that committing does not move it; maxAge does not", async () => {
    const warnings = await warningsOf(`
      ours.createCookie("fixed_a", { secrets: [${secret}], expires: new Date(Date.now() + 60_000) });
      ours.createCookie("fixed_a", { secrets: [${secret}], expires: new Date(Date.now() + 60_000) });
      ours.createCookie("rolling_a", { secrets: [${secret}], maxAge: 60 });
    `);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^tessera\/react-router: the cookie "fixed_a" was given a fixed expires date, which committing a session does not move forward/);
  });
});
