// The lines of an entry file that are code: what is left after its comments, imports,
// re-exports and type-level declarations (interfaces, type aliases, `declare` blocks) are set aside.
import { importsOf } from "./imports.js";
import { scan } from "./scan.js";

// The start of a declaration that exists only for the type checker.
const TYPE_DECLARATION = /^[ \t]*(?:export\s+)?(?:declare\s+)?(?:interface\s|type\s+[\w$]+\s*[=<]|declare\s|namespace\s+[\w$]|module\s+["'\w]|global\s*\{)/gm;
// `export { a, b as c };` and `export type { a };` without `from`: names already declared.
const EXPORT_LIST = /^[ \t]*export\s+(?:type\s+)?\{[^}]*\}\s*;?/gm;

function blank(text: string, start: number, end: number): string {
  return text.slice(0, start) + text.slice(start, end).replace(/[^\n]/g, " ") + text.slice(end);
}

/** Where the declaration starting at `start` ends: its closing brace, or the `;` (or line end) at depth 0. */
function declarationEnd(masked: string, start: number): number {
  let depth = 0;
  let sawBrace = false;
  for (let k = start; k < masked.length; k++) {
    const c = masked[k]!;
    if (c === "{" || c === "(" || c === "[") {
      depth++;
      if (c === "{") sawBrace = true;
    } else if (c === "}" || c === ")" || c === "]") {
      depth--;
      if (depth === 0 && c === "}" && sawBrace && !/^\s*[|&]/.test(masked.slice(k + 1))) {
        return /^\s*;/.test(masked.slice(k + 1)) ? masked.indexOf(";", k) + 1 : k + 1;
      }
    } else if (depth === 0 && c === ";") {
      return k + 1;
    } else if (depth === 0 && c === "\n" && !/^\s*[|&=<>.?:]/.test(masked.slice(k + 1)) && !/[=|&,<:]\s*$/.test(masked.slice(start, k))) {
      return k;
    }
  }
  return masked.length;
}

/** `file:line text` for each line of code, with the type-level and import lines gone. */
export function codeLines(path: string, source: string): string[] {
  let { masked } = scan(source);
  for (const ref of importsOf(source)) if (ref.form === "statement") masked = blank(masked, ref.start, ref.end);
  for (const m of masked.matchAll(EXPORT_LIST)) masked = blank(masked, m.index, m.index + m[0].length);
  for (let m = TYPE_DECLARATION.exec(masked); m !== null; m = TYPE_DECLARATION.exec(masked)) {
    const end = declarationEnd(masked, m.index);
    masked = blank(masked, m.index, end);
    TYPE_DECLARATION.lastIndex = end;
  }
  const original = scan(source).code.split("\n");
  return masked.split("\n").flatMap((line, index) =>
    /^[\s{}()[\];,]*$/.test(line) ? [] : [`${path}:${index + 1} ${original[index]!.trim()}`],
  );
}
