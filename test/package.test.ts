// The package as a user gets it: `npm pack`, installed into a new empty project with
// TypeScript and the peer drivers, every entry imported, the CLI run, and every TypeScript
// example of the README compiled under `tsc --strict` (NodeNext and Bundler resolution); the
// quick start is run and answered over HTTP.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort } from "./helpers.js";

const root = new URL("..", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; exports: Record<string, unknown> };
const version = (name: string) => (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
/** What a user installs beside the package, at the versions this repository tests with (so npm's cache answers). */
const BESIDE = ["typescript", "@types/node", "redis", "ioredis", "pg", "@types/pg", "express", "@types/express", "hono", "h3", "zod", "@sveltejs/kit", "fastify", "koa", "@types/koa", "next", "react", "react-dom"];

let dir: string;
let tarball: string;
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-package-"));
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", dir], root)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(dir, packed[0]!.filename);
  writeFileSync(join(dir, "files.json"), JSON.stringify(packed[0]!.files.map((f) => f.path)));
  const app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "an-app", private: true, type: "module" }));
  const install = ["install", "--no-audit", "--no-fund", tarball, ...BESIDE.map((n) => `${n}@${version(n)}`)];
  // npm's cache, filled by this repository's own install, usually holds everything: asked first,
  // it keeps a stalled registry from failing the run. Only what it lacks is fetched, with retries.
  try {
    npm([...install, "--offline"], app);
  } catch {
    npm([...install, "--prefer-offline", "--fetch-timeout=60000", "--fetch-retries=4"], app);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("the packed package", () => {
  test("holds the built code, its types, the licence and the docs, and no tests or sources", () => {
    const files = JSON.parse(readFileSync(join(dir, "files.json"), "utf8")) as string[];
    for (const f of ["LICENSE", "README.md", "CHANGELOG.md", "package.json", "dist/index.js", "dist/index.d.ts", "dist/cli/main.js"]) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    assert.deepEqual(files.filter((f) => /\.test\.|^src\/|^test\//.test(f)), []);
  });

  test("every entry imports in a new project, and each export is there", () => {
    const app = join(dir, "app");
    const entries = Object.keys(pkg.exports).filter((e) => e !== "./package.json");
    const script = entries.map((e, i) => `import * as m${i} from "${pkg.name}${e.slice(1)}"; out[${JSON.stringify(e)}] = Object.keys(m${i}).sort();`).join("\n");
    writeFileSync(join(app, "entries.mjs"), `const out = {};\n${script}\nconsole.log(JSON.stringify(out));\n`);
    const out = JSON.parse(execFileSync(process.execPath, ["entries.mjs"], { cwd: app, encoding: "utf8" })) as Record<string, string[]>;
    assert.deepEqual(Object.keys(out).sort(), entries.sort());
    assert.ok(out["."]!.includes("createCookieSessionStorage") && out["."]!.includes("createMemorySessionStorage"));
    assert.ok(out["./redis"]!.includes("createRedisSessionStorage"));
    assert.ok(out["./postgres"]!.includes("createPostgresSessionStorage"));
    assert.ok(out["./file"]!.includes("createFileSessionStorage"));
    assert.ok(out["./node"]!.includes("session") && out["./fetch"]!.includes("withSession"));
    assert.ok(out["./react-router"]!.includes("createCookieSessionStorage"));
  });

  test("the tessera command runs from the installed package", () => {
    const out = execFileSync(join(dir, "app", "node_modules", ".bin", "tessera"), ["secret"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    assert.match(out, /^[0-9a-f]{64}\n$/);
  });

  /** The README's TypeScript blocks, each a module of its own. */
  function examples(): string[] {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  }

  for (const resolution of ["NodeNext", "Bundler"] as const) {
    test(`every TypeScript example of the README compiles under tsc --strict (${resolution})`, () => {
      const app = join(dir, "app");
      const out = join(app, `readme-${resolution}`);
      mkdirSync(out);
      const files = examples().map((code, i) => {
        const file = join(out, `example-${String(i).padStart(2, "0")}.ts`);
        // A block without an import or export is still a module of its own, as it would be in an app.
        writeFileSync(file, /^(import|export) /m.test(code) ? code : `${code}\nexport {};\n`);
        return file;
      });
      assert.ok(files.length >= 15, `${files.length} examples`);
      copyFileSync(join(root, "test", "package", "prelude.d.ts"), join(out, "prelude.d.ts"));
      const compilerOptions = {
        strict: true,
        target: "ES2022",
        module: resolution === "NodeNext" ? "NodeNext" : "ESNext",
        moduleResolution: resolution,
        skipLibCheck: true,
        noEmit: true,
        types: ["node"],
        lib: ["ES2022", "DOM"],
      };
      writeFileSync(join(out, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["*.ts"] }));
      try {
        execFileSync(join(app, "node_modules", ".bin", "tsc"), ["-p", out], { encoding: "utf8", stdio: "pipe" });
      } catch (error) {
        assert.fail(`tsc reported:\n${(error as { stdout?: string }).stdout}`);
      }
    });
  }

  test("every entry's types resolve for node10-style resolution too (typesVersions)", () => {
    const app = join(dir, "app");
    const out = join(app, "node10");
    mkdirSync(out);
    const entries = Object.keys(pkg.exports).filter((e) => e !== "./package.json");
    writeFileSync(join(out, "all.ts"), entries.map((e, i) => `import type * as m${i} from "${pkg.name}${e.slice(1)}";\nexport type T${i} = typeof m${i};`).join("\n") + "\n");
    writeFileSync(join(out, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "ESNext", moduleResolution: "node10", target: "ES2022", skipLibCheck: true, noEmit: true, types: ["node"] }, files: ["all.ts"] }));
    try {
      execFileSync(join(app, "node_modules", ".bin", "tsc"), ["-p", out], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      assert.fail(`tsc reported:\n${(error as { stdout?: string }).stdout}`);
    }
  });

  test("the quick start runs: it counts across two requests", async () => {
    const app = join(dir, "app");
    const port = await freePort();
    const quick = examples()[0]!.replace("listen(3000", `listen(${port}`);
    writeFileSync(join(app, "quick.ts"), quick);
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", skipLibCheck: true, types: ["node"], outDir: "built" }, files: ["quick.ts"] }));
    execFileSync(join(app, "node_modules", ".bin", "tsc"), ["-p", app], { encoding: "utf8" });
    const { SESSION_SECRET: _, ...env } = process.env;
    const child = spawn(process.execPath, [join(app, "built", "quick.js")], { cwd: app, stdio: ["ignore", "pipe", "pipe"], env });
    try {
      const [line] = (await once(child.stderr!, "data")) as [Buffer];
      assert.match(line.toString(), /random secret for this process only/, "no secret: the development one, said once");
      const first = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(await first.text(), "count: 1\n");
      const cookie = first.headers.getSetCookie()[0]!;
      assert.match(cookie, /^__Host-session=E1\.[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      const second = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie: cookie.split(";")[0]! } });
      assert.equal(await second.text(), "count: 2\n");
    } finally {
      child.kill();
    }
  });
});
