import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { BACKENDS, SECRET_A } from "../../../test/helpers.js";
import { runScript } from "../../../test/isolated.js";
import type { CryptoKind } from "../crypto/types.js";
import { MemoryStore } from "../stores/memory.js";
import { createSessionStorage } from "./id-storage.js";

/** Makes the ids of new sessions, through a storage whose cookie option `crypto` is `kind`. */
function idMaker(kind: CryptoKind): () => Promise<string> {
  const storage = createSessionStorage({ store: new MemoryStore(), cookie: { secrets: [SECRET_A], crypto: kind } });
  return async () => (await storage.read(null)).id;
}

describe("session ids", () => {
  for (const kind of BACKENDS) {
    test(`A2, A3: 100,000 ids (${kind}) are 24 bytes each, all different, with no fixed prefix or suffix`, async () => {
      const newId = idMaker(kind);
      const ids = new Set<string>();
      const firsts = new Set<string>();
      const lasts = new Set<string>();
      for (let i = 0; i < 100_000; i++) {
        const id = await newId();
        assert.match(id, /^[A-Za-z0-9_-]{32}$/);
        assert.equal(Buffer.from(id, "base64url").length, 24);
        ids.add(id);
        firsts.add(id.slice(0, 2));
        lasts.add(id.slice(-2));
      }
      assert.equal(ids.size, 100_000);
      assert.ok(firsts.size > 3000 && lasts.size > 3000, "prefixes and suffixes vary");
    });
  }

  // Each runs in a process of its own: counting the platform's CSPRNG calls means wrapping a global.
  test('A1: ids come from crypto.getRandomValues with crypto: "web"', async () => {
    const run = await runScript(
      import.meta.url,
      `
      import { MemoryStore } from "../stores/memory.js";
      import { createSessionStorage } from "./id-storage.js";
      const storage = createSessionStorage({ store: new MemoryStore(), cookie: { secrets: [${JSON.stringify(SECRET_A)}], crypto: "web" } });
      const original = crypto.getRandomValues.bind(crypto);
      let calls = 0;
      crypto.getRandomValues = (b) => (calls++, original(b));
      for (let i = 0; i < 300; i++) await storage.read(null); // 7,200 bytes: at least one refill of the 4 KiB pool
      console.log(calls);
      `,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Number(run.stdout) >= 1);
  });

  test('A1: ids come from randomFillSync with crypto: "node"', async () => {
    const run = await runScript(
      import.meta.url,
      `
      import { MemoryStore } from "../stores/memory.js";
      import { createSessionStorage } from "./id-storage.js";
      const storage = createSessionStorage({ store: new MemoryStore(), cookie: { secrets: [${JSON.stringify(SECRET_A)}], crypto: "node" } });
      const nodeCrypto = process.getBuiltinModule("node:crypto");
      const original = nodeCrypto.randomFillSync;
      let calls = 0;
      nodeCrypto.randomFillSync = (b) => (calls++, original(b));
      for (let i = 0; i < 300; i++) await storage.read(null);
      console.log(calls);
      `,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Number(run.stdout) >= 1);
  });

  test("A1: Math.random appears nowhere in src/", async () => {
    const files = (await readdir("src", { recursive: true })).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    for (const f of files) assert.ok(!(await readFile(join("src", f), "utf8")).includes("Math.random"), f);
  });
});
