// What the cookie-session path of the root entry weighs in a user's bundle:
// esbuild, minified, for the browser (as a Workers or edge build sees it), gzipped.
// The budget is a ratchet at today's size, so nothing grows unnoticed; the
// package's goal is 5 KB (see the README's "Size" paragraph), not reached yet.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, test } from "node:test";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUDGET = 11_600;

/** Gzipped bytes of `source` bundled against the built package, and the minified bytes before gzip. */
async function weigh(source: string): Promise<{ min: number; gz: number; code: string }> {
  const out = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: "js" },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "browser",
    logLevel: "silent",
  });
  const code = out.outputFiles[0]!.contents;
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length, code: new TextDecoder().decode(code) };
}

describe("bundle size", () => {
  test(`createCookieSessionStorage from tessera-session bundles to at most ${BUDGET.toLocaleString("en-US")} bytes gzipped`, async () => {
    const size = await weigh(
      `import { createCookieSessionStorage } from "tessera-session";\nexport const storage = createCookieSessionStorage({ cookie: { secrets: [globalThis.SECRET] } });`,
    );
    assert.ok(size.gz <= BUDGET, `${size.gz} bytes gzipped (${size.min} minified), over the budget of ${BUDGET}`);
    // package.json `browser` swaps the node:crypto backend out: a browser has no node:crypto to use it with.
    assert.doesNotMatch(size.code, /hkdfSync|createHmac/);
    assert.match(size.code, /crypto\.subtle|subtle\./);
  });

  test("an import that is not used adds nothing (the package is free of side effects)", async () => {
    const empty = await weigh(`export const x = 1;`);
    const unused = await weigh(`import { createCookieSessionStorage } from "tessera-session";\nexport const x = 1;`);
    assert.equal(unused.min, empty.min);
  });
});
