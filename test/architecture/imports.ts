// The module specifiers a TypeScript source names: `import … from`, `export … from`, bare
// `import "x"`, `import("x")` and the type-level `typeof import("x")`.
import { lineAt, scan, type StringLiteral } from "./scan.js";

export type ImportKind = "value" | "type" | "dynamic";

export interface ImportRef {
  specifier: string;
  kind: ImportKind;
  /** A whole `import`/`export … from` statement, or an `import(…)` inside code. */
  form: "statement" | "call";
  line: number;
  /** Offsets of the whole statement (for `import(…)`, of the call) in the source. */
  start: number;
  end: number;
}

// `import`/`export`, an optional `type`, an optional clause (names, braces, `* as x`), then the quoted specifier.
const STATIC = /(?<![\w$.])(import|export)(\s+type(?=[\s{*]))?(?:\s*[\w$*{}\s,]*?\s*from)?\s*(["'])/g;
const DYNAMIC = /(?<![\w$.])(typeof\s+)?import\s*\(\s*(["'`])/g;

export function importsOf(source: string): ImportRef[] {
  const { masked, strings } = scan(source);
  const byStart = new Map<number, StringLiteral>(strings.map((s) => [s.start, s]));
  const found: ImportRef[] = [];
  for (const m of masked.matchAll(STATIC)) {
    const literal = byStart.get(m.index + m[0].length - 1);
    if (literal === undefined) continue;
    // `export { a, b };` and `export default "x"` have no specifier: require `from` or a bare `import "x"`.
    if (m[1] === "export" && !/\bfrom\s*["']$/.test(m[0])) continue;
    if (m[1] === "import" && !/\bfrom\s*["']$/.test(m[0]) && !/^import\s*["']$/.test(m[0])) continue;
    const end = /^\s*;/.exec(masked.slice(literal.end)) ? masked.indexOf(";", literal.end) + 1 : literal.end;
    const kind: ImportKind = m[2] !== undefined ? "type" : "value";
    found.push({ specifier: literal.value, kind, form: "statement", line: lineAt(source, m.index), start: m.index, end });
  }
  for (const m of masked.matchAll(DYNAMIC)) {
    const literal = byStart.get(m.index + m[0].length - 1);
    if (literal === undefined) continue;
    const kind: ImportKind = m[1] !== undefined ? "type" : "dynamic";
    found.push({ specifier: literal.value, kind, form: "call", line: lineAt(source, m.index), start: m.index, end: literal.end + 1 });
  }
  return found.sort((a, b) => a.start - b.start);
}
