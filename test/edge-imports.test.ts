// The entries promised to run on edge runtimes reach no Node module: a static
// `node:` import fails to load on Workers without nodejs_compat and in browsers
// bundles. (The core finds node:crypto and AsyncLocalStorage through
// `process.getBuiltinModule` at run time, which is not an import.)
import assert from "node:assert/strict";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { build, type Plugin } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUILTINS = new Set(builtinModules);

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]!);
}

/** Every Node builtin that bundling `specifier` (the built package, by its name) for the web platform meets, with its importer. */
async function nodeImportsOf(specifier: string): Promise<string[]> {
  const found: string[] = [];
  const record: Plugin = {
    name: "record-node-builtins",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!isNodeBuiltin(args.path)) return undefined;
        found.push(`${args.path} from ${args.importer.replace(ROOT, "")}`);
        return { path: args.path, external: true };
      });
    },
  };
  await build({
    stdin: { contents: `export * from ${JSON.stringify(specifier)};`, resolveDir: ROOT, loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["worker", "browser"],
    plugins: [record],
    logLevel: "silent",
  });
  return found.sort();
}

describe("edge-safe entries", () => {
  for (const entry of ["tessera-session", "tessera-session/fetch", "tessera-session/hono", "tessera-session/h3", "tessera-session/react-router", "tessera-session/sveltekit"]) {
    test(`${entry} bundles for the web platform with no node: import and no Node builtin`, async () => {
      assert.deepEqual(await nodeImportsOf(entry), []);
    });
  }

  test("the check finds what a Node-only entry imports", async () => {
    assert.deepEqual(await nodeImportsOf("tessera-session/react-router/file"), [
      "node:fs/promises from dist/compat/react-router/file.js",
      "node:path from dist/compat/react-router/file.js",
    ]);
    assert.ok((await nodeImportsOf("tessera-session/file")).includes("node:fs/promises from dist/lib/stores/file.js"));
  });

  test("createFileSessionStorage is importable from tessera-session/react-router/file and no longer from tessera-session/react-router", async () => {
    const file = await import("tessera-session/react-router/file");
    const core: Record<string, unknown> = await import("tessera-session/react-router");
    assert.deepEqual(Object.keys(file), ["createFileSessionStorage"]);
    assert.equal(typeof file.createFileSessionStorage, "function");
    assert.equal(core.createFileSessionStorage, undefined);
  });
});
