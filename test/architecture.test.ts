// The shape of the source tree, checked from the sources themselves: which part may import
// which, what the edge entries reach, no import circles, small files, thin entries, no copied
// logic, and no `_`-named members in the published types. For layers and circles every import
// counts, `import type` too: a type import still ties one part to another. Tests (`*.test.ts`)
// are not judged.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { underscoreMembers } from "./architecture/dts.js";
import { duplicates, type DuplicateOptions } from "./architecture/duplicates.js";
import { broken } from "./architecture/fixtures.js";
import { importCycles, nodeImportsReached } from "./architecture/graph.js";
import { layerViolations, type Layer } from "./architecture/layers.js";
import { isTest, loadProject, type Project } from "./architecture/project.js";
import { codeLines } from "./architecture/thin-entry.js";

/** The file that defines the `SessionStorage` interface: the storage API the adapters program against. */
const PUBLIC_STORAGE_API = "src/lib/engine/storage.ts";

/** What each part may import; Node builtins and packages are always allowed. */
const LAYERS = {
  session: {
    files: "src/lib/session/",
    forbid: ["src/lib/engine/", "src/lib/stores/", "src/lib/storages/", "src/lib/adapters/", "src/lib/token/", "src/lib/cookie/"],
  },
  stores: {
    files: "src/lib/stores/",
    allow: [{ path: "src/lib/stores/" }, { path: "src/lib/errors.ts" }, { path: "src/lib/util/" }],
  },
  adapters: {
    files: "src/lib/adapters/",
    allow: [
      { path: PUBLIC_STORAGE_API },
      // The storage API's one optional capability: read and save without a promise when the answer is at hand.
      { path: "src/lib/engine/immediate.ts" },
      { path: "src/lib/session/session.ts", typeOnly: true },
      // The CSRF check is public API that each integration wraps.
      { path: "src/lib/csrf/" },
      { path: "src/lib/adapters/" },
      { path: "src/lib/errors.ts" },
      { path: "src/lib/util/" },
    ],
  },
} satisfies Record<string, Layer>;

/** The entries promised to run on every runtime. */
const EDGE_ENTRIES = ["src/index.ts", "src/fetch.ts", "src/hono.ts", "src/h3.ts", "src/react-router.ts", "src/next.ts", "src/sveltekit.ts"];
// A `node:` import that loads fails on Workers and in browser bundles; an erased `import type`
// does not (the core types `process.getBuiltinModule("node:crypto")` with one), so it is not counted.
const EDGE_COUNTS_TYPE_IMPORTS = false;

const MAX_FILE_LINES = 300;
const MAX_ENTRY_CODE_LINES = 15;

// Lines with under 4 word characters (`try {`, `x();`, `if (a) {`) are skipped, and a window
// needs 60 in all: runs of short statements repeat everywhere and say nothing about copying.
const DUPLICATES: DuplicateOptions = { window: 6, minWordChars: 60, minLineWordChars: 4 };

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function sources(): Project {
  return loadProject(ROOT, ["src"], [".ts"]);
}

function withoutTests(project: Project): Project {
  return new Map([...project].filter(([path]) => !isTest(path)));
}

function entries(project: Project): string[] {
  return [...project.keys()].filter((p) => /^src\/[^/]+\.ts$/.test(p) && !isTest(p));
}

function assertNone(found: string[], what: string): void {
  assert.equal(found.length, 0, `${found.length} ${what}:\n  ${found.join("\n  ")}`);
}

function longFiles(project: Project): string[] {
  return [...withoutTests(project)].flatMap(([path, text]) => {
    const lines = text.endsWith("\n") ? text.split("\n").length - 1 : text.split("\n").length;
    return lines > MAX_FILE_LINES ? [`${path}: ${lines} lines`] : [];
  });
}

function fatEntries(project: Project): string[] {
  return entries(project).flatMap((path) => {
    const code = codeLines(path, project.get(path)!);
    return code.length > MAX_ENTRY_CODE_LINES ? [`${path}: ${code.length} lines of code\n    ${code.join("\n    ")}`] : [];
  });
}

function edgeViolations(project: Project): string[] {
  return EDGE_ENTRIES.flatMap((entry) => (project.has(entry) ? nodeImportsReached(project, entry, { typeImports: EDGE_COUNTS_TYPE_IMPORTS }) : [`${entry}: no such file`]));
}

/** The `.d.ts` that `npm run build` makes of each (non-test) source, built first when missing or older than its source. */
function declarations(project: Project): Project {
  const dtsOf = (path: string) => path.replace(/^src\//, "dist/").replace(/\.ts$/, ".d.ts");
  const paths = [...withoutTests(project).keys()];
  const stale = paths.some((p) => !existsSync(`${ROOT}/${dtsOf(p)}`) || statSync(`${ROOT}/${dtsOf(p)}`).mtimeMs < statSync(`${ROOT}/${p}`).mtimeMs);
  if (stale) spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "ignore" });
  const missing = paths.filter((p) => !existsSync(`${ROOT}/${dtsOf(p)}`));
  assert.deepEqual(missing, [], "npm run build made no declarations for these sources");
  const dist = loadProject(ROOT, ["dist"], [".d.ts"]);
  return new Map(paths.map((p) => [dtsOf(p), dist.get(dtsOf(p))!]));
}

function underscoreViolations(dts: Project): string[] {
  return [...dts].flatMap(([path, text]) => underscoreMembers(path, text));
}

describe("architecture of src/", () => {
  test("src/lib/session imports nothing from engine, stores, storages, adapters, token or cookie", () => {
    assertNone(layerViolations(sources(), LAYERS.session), "forbidden imports in src/lib/session");
  });

  test("src/lib/stores imports only stores, errors.ts, util, Node builtins and packages", () => {
    assertNone(layerViolations(sources(), LAYERS.stores), "forbidden imports in src/lib/stores");
  });

  test("src/lib/adapters imports only the public storage API, Session types, adapters, errors.ts, util, Node builtins and packages", () => {
    const project = sources();
    assert.match(project.get(PUBLIC_STORAGE_API) ?? "", /export (interface|type) SessionStorage\b/, `${PUBLIC_STORAGE_API} no longer defines SessionStorage: point PUBLIC_STORAGE_API at the file that does`);
    assertNone(layerViolations(project, LAYERS.adapters), "forbidden imports in src/lib/adapters");
  });

  test(`the edge entries (${EDGE_ENTRIES.join(", ")}) reach no Node builtin through their imports`, () => {
    assertNone(edgeViolations(sources()), "Node builtins reached from an edge entry");
  });

  test("there are no import circles in src/", () => {
    assertNone(importCycles(sources()), "import circles");
  });

  test(`no source file in src/ is over ${MAX_FILE_LINES} lines`, () => {
    assertNone(longFiles(sources()), `files over ${MAX_FILE_LINES} lines`);
  });

  test("no published .d.ts declares a member whose name starts with _", () => {
    assertNone(underscoreViolations(declarations(sources())), "_-prefixed members in dist/");
  });

  test(`no ${DUPLICATES.window} consecutive lines of logic appear in two places in src/`, () => {
    assertNone(duplicates(withoutTests(sources()), DUPLICATES), "copied runs of lines");
  });

  test(`every entry src/*.ts is imports, re-exports and types, with at most ${MAX_ENTRY_CODE_LINES} lines of code`, () => {
    assertNone(fatEntries(sources()), "entries with too much code");
  });
});

describe("the architecture rules catch what they forbid (made-up sources)", () => {
  test("layers: a forbidden folder, a file outside the allowed list, a value import of a type-only file, an import of no file", () => {
    assert.deepEqual(layerViolations(broken.project, LAYERS.session), broken.expected.session);
    assert.deepEqual(layerViolations(broken.project, LAYERS.stores), broken.expected.stores);
    assert.deepEqual(layerViolations(broken.project, LAYERS.adapters), broken.expected.adapters);
  });

  test("edge entries: a Node builtin two files away; none behind an erased type import, in a comment or in a string", () => {
    assert.deepEqual(edgeViolations(broken.project), broken.expected.edge);
  });

  test("circles: through two files, through three, and a file importing itself", () => {
    assert.deepEqual(importCycles(broken.project), broken.expected.cycles);
  });

  test("file length: a file one line over", () => {
    assert.deepEqual(longFiles(broken.project), broken.expected.long);
  });

  test(".d.ts members: properties, methods, modifiers; not parameters, not comments", () => {
    assert.deepEqual(underscoreViolations(broken.declarations), broken.expected.underscores);
  });

  test("duplicates: a copy reflowed with other comments and blank lines, and one within a file, are found; short shapes, data tables and overlapping runs are not", () => {
    assert.deepEqual(duplicates(broken.copies, DUPLICATES), broken.expected.duplicates);
  });

  test("thin entries: code past the limit is listed; imports, types and declare global are not code", () => {
    assert.deepEqual(fatEntries(broken.project), broken.expected.entries);
  });
});
