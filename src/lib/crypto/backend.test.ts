import assert from "node:assert/strict";
import { test } from "node:test";
import { runScript } from "../../../test/isolated.js";
import { cryptoFor } from "./backend.js";

test("the default is node:crypto on Node, one instance per kind for the whole process", () => {
  assert.equal(cryptoFor().name, "node");
  assert.equal(cryptoFor(), cryptoFor("node"));
  assert.equal(cryptoFor("web").name, "web");
  assert.equal(cryptoFor("web"), cryptoFor("web"));
});

test("without node:crypto the default is Web Crypto, and asking for node is a clear error", async () => {
  // A process of its own, as on an edge runtime: one with no process.getBuiltinModule.
  const run = await runScript(
    import.meta.url,
    `
    delete process.getBuiltinModule;
    const { cryptoFor } = await import("./backend.js");
    let error;
    try { cryptoFor("node"); } catch (e) { error = { name: e.name, message: e.message }; }
    console.log(JSON.stringify({ name: cryptoFor().name, error }));
    `,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    name: "web",
    error: { name: "SessionConfigError", message: 'option crypto is "node", but this runtime has no node:crypto; leave it unset to use Web Crypto' },
  });
});

test("an unknown kind is a configuration error", () => {
  assert.throws(() => cryptoFor("wasm" as "web"), {
    name: "SessionConfigError",
    message: 'option crypto is invalid: wasm; use "node" or "web", or leave it unset',
  });
});
