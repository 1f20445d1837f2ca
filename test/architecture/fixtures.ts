// Made-up sources that break every architecture rule once, with what each rule must report:
// the proof that a rule which passes on src/ is looking at all.

const lines = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join("\n");

const project = new Map<string, string>([
  [
    "src/index.ts",
    [
      "// A comment naming node:fs is no import: import { readFile } from \"node:fs\";",
      "/* import \"node:os\"; */",
      "export { parse } from \"./lib/cookie/parse.js\";",
      "export type { Session } from \"./lib/session/session.js\";",
      "import type { Files } from \"./lib/files.js\";",
      "export type Os = typeof import(\"node:os\");",
      "const help = `import { x } from \"node:path\"`;",
      "export const version = help.length;",
      "",
    ].join("\n"),
  ],
  ["src/lib/cookie/parse.ts", 'import { decode } from "../crypto/decode.js";\nexport const parse = decode;\n'],
  ["src/lib/crypto/decode.ts", 'import { Buffer } from "node:buffer";\nexport const decode = (b: string) => Buffer.from(b);\n'],
  ["src/lib/files.ts", 'import { readFile } from "node:fs/promises";\nexport type Files = typeof readFile;\n'],
  [
    "src/lib/session/session.ts",
    [
      'import { putOwn } from "../util/own.js";',
      'import type { SessionStorage } from "../engine/storage.js";',
      'import { isProduction } from "../cookie/parse.js";',
      'import { fail } from "../errors.js";',
      "export class Session {}",
      "",
    ].join("\n"),
  ],
  ["src/lib/session/session.test.ts", 'import { MemoryStore } from "../stores/memory.js";\n'],
  [
    "src/lib/stores/memory.ts",
    [
      'import { readFile } from "node:fs/promises";',
      'import { createClient } from "redis";',
      'import { putOwn } from "../util/own.js";',
      'import { STORE_KEY } from "./store.js";',
      'import type { Session } from "../session/session.js";',
      "export class MemoryStore {}",
      "",
    ].join("\n"),
  ],
  ["src/lib/stores/store.ts", "export const STORE_KEY = 1;\n"],
  [
    "src/lib/adapters/node.ts",
    [
      'import type { IncomingMessage } from "node:http";',
      'import type { SessionStorage } from "../engine/storage.js";',
      'import type { Session } from "../session/session.js";',
      'import { Session as S } from "../session/session.js";',
      'import { immediateOf } from "../engine/engine.js";',
      'import { varies } from "./vary.js";',
      'import { gone } from "./gone.js";',
      "export const node = [S, immediateOf, varies, gone];",
      "",
    ].join("\n"),
  ],
  ["src/lib/adapters/vary.ts", "export const varies = 1;\n"],
  ["src/lib/engine/storage.ts", "export interface SessionStorage {}\n"],
  ["src/lib/engine/immediate.ts", 'import { a } from "./a.js";\nexport const immediateOf = a;\n'],
  ["src/lib/engine/engine.ts", 'export { immediateOf } from "./immediate.js";\n'],
  ["src/lib/engine/a.ts", 'import { b } from "./b.js";\nexport const a = b;\n'],
  ["src/lib/engine/b.ts", 'import type { I } from "./immediate.js";\nimport { a } from "./a.js";\nexport const b = 1;\n'],
  ["src/lib/engine/self.ts", 'export const self = () => import("./self.js");\n'],
  ["src/lib/util/own.ts", "export const putOwn = 1;\n"],
  ["src/lib/errors.ts", "export const fail = 1;\n"],
  ["src/lib/long.ts", `${lines(301, (i) => `export const n${i} = ${i};`)}\n`],
  ["src/lib/just-long-enough.ts", `${lines(300, (i) => `export const n${i} = ${i};`)}\n`],
  [
    "src/fetch.ts",
    [
      "// Code past the limit: sixteen lines.",
      'import { parse } from "./lib/cookie/parse.js";',
      "export type Options = {",
      "  strict: boolean;",
      "};",
      "export interface Handler {",
      "  (request: Request): Response;",
      "}",
      "declare global {",
      "  interface Window { tessera: unknown }",
      "}",
      lines(16, (i) => `export const c${i} = parse;`),
      "",
    ].join("\n"),
  ],
  [
    "src/hono.ts",
    [
      'export { parse } from "./lib/cookie/parse.js";',
      "export {",
      "  type Session,",
      '} from "./lib/session/session.js";',
      lines(15, (i) => `export const c${i} = ${i};`),
      "",
    ].join("\n"),
  ],
]);

const copied = [
  "const record = await store.read(key);",
  "if (record === undefined) return refuse(\"absent\");",
  "const expires = record.createdAt + options.absoluteTimeout * 1000;",
  "if (expires <= now) return refuse(\"expired\");",
  "const session = new Session(record.data, { id: key, createdAt: record.createdAt });",
  "session.touch(now + options.idleTimeout * 1000);",
  "return session;",
];

const copies = new Map<string, string>([
  [
    "src/lib/engine/load.ts",
    ["import { Session } from \"../session/session.js\";", "export async function load() {", ...copied.map((l) => `  ${l}`), "}", ""].join("\n"),
  ],
  [
    "src/lib/engine/reload.ts",
    [
      "export async function reload() {",
      "  // The same steps, reflowed.",
      `  ${copied[0]}`,
      `  ${copied[1]!.replace("return", " return  ")}`,
      "",
      `  ${copied[2]}   // absolute`,
      `  ${copied[3]}`,
      "  /* build it */",
      `  ${copied[4]}`,
      `  ${copied[5]}`,
      `  ${copied[6]}`,
      "}",
      "",
    ].join("\n"),
  ],
  // Twice in one file, apart: a copy. Eight equal lines in a row: windows that overlap, not a copy.
  [
    "src/lib/engine/twice.ts",
    [
      "export function twice() {",
      ...copied.slice(1, 7),
      "  cleanUp();",
      ...copied.slice(1, 7),
      ...Array.from({ length: 8 }, () => "  total += step * weight + offset;"),
      "}",
      "",
    ].join("\n"),
  ],
  // Trivial shapes repeated: every window is under the word-character threshold.
  ["src/lib/a.ts", lines(3, () => ["try {", "  x();", "} catch {", "  return;", "}", "if (a) {", "  break;", "} else {", "  y();", "}"].join("\n"))],
  ["src/lib/b.ts", lines(3, () => ["try {", "  x();", "} catch {", "  return;", "}", "if (a) {", "  break;", "} else {", "  y();", "}"].join("\n"))],
  // The same data table twice: entries of a table are not logic.
  ["src/lib/table-a.ts", `export const a = {\n${lines(8, (i) => `  firstCharFlipped${i}: "fresh",`)}\n};\n`],
  ["src/lib/table-b.ts", `export const b = {\n${lines(8, (i) => `  firstCharFlipped${i}: "fresh",`)}\n};\n`],
]);

const declarations = new Map<string, string>([
  [
    "dist/lib/session/session.d.ts",
    [
      "/**",
      " * A session.",
      " *   _comment: not a member",
      " */",
      "export declare class Session {",
      "    #private;",
      "    private _state;",
      "    readonly _id: string;",
      "    _touch(now: number): void;",
      "    static _count?: number;",
      "    get _size(): number;",
      "    load(memo: string, _raw: string): void;",
      "    save(",
      "        _unused: string,",
      "        options: {",
      "            _nested: boolean;",
      "        }",
      "    ): void;",
      "    __proto__: unknown;",
      "    /* Before the rename it was",
      "    _old: string;",
      "    */",
      "}",
      "export declare const _top: number;",
      "export interface Options {",
      "    _hook<T>(value: T): T;",
      "    name: string;",
      "}",
      "",
    ].join("\n"),
  ],
]);

export const broken = {
  project,
  copies,
  declarations,
  expected: {
    session: [
      'src/lib/session/session.ts:2 imports "../engine/storage.js" (type) (src/lib/engine/storage.ts): src/lib/engine/ is forbidden here',
      'src/lib/session/session.ts:3 imports "../cookie/parse.js" (src/lib/cookie/parse.ts): src/lib/cookie/ is forbidden here',
    ],
    stores: [
      'src/lib/stores/memory.ts:5 imports "../session/session.js" (type) (src/lib/session/session.ts): not in the allowed list',
    ],
    adapters: [
      'src/lib/adapters/node.ts:4 imports "../session/session.js" (src/lib/session/session.ts): only `import type` of it is allowed',
      'src/lib/adapters/node.ts:5 imports "../engine/engine.js" (src/lib/engine/engine.ts): not in the allowed list',
      'src/lib/adapters/node.ts:7 imports "./gone.js" which resolves to no file',
    ],
    edge: [
      'src/index.ts → src/lib/cookie/parse.ts → src/lib/crypto/decode.ts: src/lib/crypto/decode.ts:1 imports "node:buffer"',
      'src/fetch.ts → src/lib/cookie/parse.ts → src/lib/crypto/decode.ts: src/lib/crypto/decode.ts:1 imports "node:buffer"',
      "src/hono.ts → src/lib/cookie/parse.ts → src/lib/crypto/decode.ts: src/lib/crypto/decode.ts:1 imports \"node:buffer\"",
      "src/h3.ts: no such file",
      "src/react-router.ts: no such file",
      "src/next.ts: no such file",
      "src/sveltekit.ts: no such file",
    ],
    cycles: [
      "src/lib/engine/a.ts → src/lib/engine/b.ts → src/lib/engine/a.ts",
      "src/lib/engine/a.ts → src/lib/engine/b.ts → src/lib/engine/immediate.ts → src/lib/engine/a.ts",
      "src/lib/engine/self.ts → src/lib/engine/self.ts",
    ],
    long: ["src/lib/long.ts: 301 lines"],
    underscores: [
      "dist/lib/session/session.d.ts:7 _state",
      "dist/lib/session/session.d.ts:8 _id",
      "dist/lib/session/session.d.ts:9 _touch",
      "dist/lib/session/session.d.ts:10 _count",
      "dist/lib/session/session.d.ts:11 _size",
      "dist/lib/session/session.d.ts:16 _nested",
      "dist/lib/session/session.d.ts:26 _hook",
    ],
    duplicates: [
      "src/lib/engine/load.ts:3-9 = src/lib/engine/reload.ts:3-11 (7 lines of logic): const record = await store.read(key);",
      'src/lib/engine/load.ts:4-9 = src/lib/engine/twice.ts:2-7 (6 lines of logic): if (record === undefined) return refuse("absent");',
      'src/lib/engine/load.ts:4-9 = src/lib/engine/twice.ts:9-14 (6 lines of logic): if (record === undefined) return refuse("absent");',
      'src/lib/engine/reload.ts:4-11 = src/lib/engine/twice.ts:2-7 (6 lines of logic): if (record === undefined) return refuse("absent");',
      'src/lib/engine/reload.ts:4-11 = src/lib/engine/twice.ts:9-14 (6 lines of logic): if (record === undefined) return refuse("absent");',
      'src/lib/engine/twice.ts:2-7 = src/lib/engine/twice.ts:9-14 (6 lines of logic): if (record === undefined) return refuse("absent");',
    ],
    entries: [
      [
        "src/fetch.ts: 16 lines of code",
        ...Array.from({ length: 16 }, (_, i) => `    src/fetch.ts:${12 + i} export const c${i} = parse;`),
      ].join("\n"),
    ],
  },
};
