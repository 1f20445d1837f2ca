import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { withBackend } from "../../../test/helpers.js";
import { newId } from "./id-storage.js";

describe("session ids", () => {
  test("A2, A3: 100,000 ids are 24 bytes each, all different, with no fixed prefix or suffix", () => {
    const ids = new Set<string>();
    const firsts = new Set<string>();
    const lasts = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = newId();
      assert.match(id, /^[A-Za-z0-9_-]{32}$/);
      assert.equal(Buffer.from(id, "base64url").length, 24);
      ids.add(id);
      firsts.add(id.slice(0, 2));
      lasts.add(id.slice(-2));
    }
    assert.equal(ids.size, 100_000);
    assert.ok(firsts.size > 3000 && lasts.size > 3000, "prefixes and suffixes vary");
  });

  test("A1: ids come from crypto.getRandomValues on the Web Crypto path", async () => {
    await withBackend("web", async () => {
      const original = crypto.getRandomValues.bind(crypto);
      let calls = 0;
      crypto.getRandomValues = ((b: Uint8Array) => {
        calls++;
        return original(b);
      }) as typeof crypto.getRandomValues;
      try {
        for (let i = 0; i < 300; i++) newId(); // 7,200 bytes: at least one refill of the 4 KiB pool
      } finally {
        crypto.getRandomValues = original;
      }
      assert.ok(calls >= 1);
    });
  });

  test("A1: ids come from randomFillSync on the node:crypto path", async () => {
    const nodeCrypto = process.getBuiltinModule("node:crypto") as typeof import("node:crypto");
    const original = nodeCrypto.randomFillSync;
    let calls = 0;
    (nodeCrypto as { randomFillSync: unknown }).randomFillSync = (b: Uint8Array) => {
      calls++;
      return original(b);
    };
    try {
      await withBackend("node", async () => {
        for (let i = 0; i < 300; i++) newId();
      });
    } finally {
      (nodeCrypto as { randomFillSync: unknown }).randomFillSync = original;
    }
    assert.ok(calls >= 1);
  });

  test("A1: Math.random appears nowhere in src/", async () => {
    const files = (await readdir("src", { recursive: true })).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    for (const f of files) assert.ok(!(await readFile(join("src", f), "utf8")).includes("Math.random"), f);
  });
});
