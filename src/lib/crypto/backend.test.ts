import assert from "node:assert/strict";
import { test } from "node:test";
import { cryptoFor } from "./backend.js";

test("the default is node:crypto on Node, one instance per kind for the whole process", () => {
  assert.equal(cryptoFor().name, "node");
  assert.equal(cryptoFor(), cryptoFor("node"));
  assert.equal(cryptoFor("web").name, "web");
  assert.equal(cryptoFor("web"), cryptoFor("web"));
});

test("without node:crypto the default is Web Crypto, and asking for node is a clear error", async () => {
  const proc = process as { getBuiltinModule?: unknown };
  const original = proc.getBuiltinModule;
  proc.getBuiltinModule = undefined;
  try {
    // A fresh copy of the module (another URL), which has not looked for node:crypto yet.
    const url = "./backend.js?runtime=edge";
    const fresh = (await import(url)) as typeof import("./backend.js");
    assert.notEqual(fresh.cryptoFor, cryptoFor);
    assert.equal(fresh.cryptoFor().name, "web");
    assert.throws(() => fresh.cryptoFor("node"), {
      name: "SessionConfigError",
      message: 'option crypto is "node", but this runtime has no node:crypto; leave it unset to use Web Crypto',
    });
  } finally {
    proc.getBuiltinModule = original;
  }
});

test("an unknown kind is a configuration error", () => {
  assert.throws(() => cryptoFor("wasm" as "web"), {
    name: "SessionConfigError",
    message: 'option crypto is invalid: wasm; use "node" or "web", or leave it unset',
  });
});
