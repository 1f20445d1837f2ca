// Copied logic: the same run of normalised lines in two places. A line is normalised by
// dropping comments and trimming and collapsing its whitespace; lines that carry no logic of
// their own (blank, only punctuation, one entry of a data table, import/export-from statements,
// very short lines such as `} else {`) are left out before
// windows are formed, so a copy cannot hide behind a reflowed brace or an extra comment.
import { importsOf } from "./imports.js";
import { scan } from "./scan.js";

export interface DuplicateOptions {
  /** Normalised lines per window. */
  window: number;
  /** A window counts only with at least this many characters of word text (letters, digits, `_`, `$`) in all. */
  minWordChars: number;
  /** A line with fewer word characters than this (`} else {`, `return;`, `break;`) is skipped like punctuation. */
  minLineWordChars: number;
}

interface Line {
  text: string;
  /** 1-based line in the original file. */
  line: number;
}

const PUNCTUATION_ONLY = /^[\s{}()[\];,.:?=>]*$/;
// One entry of a data table (`key: "value",`, `"value",`, `key: 3,`): tables repeat by nature, logic does not.
const LITERAL_ENTRY = /^(?:(?:[\w$]+|"[^"]*"|'[^']*')\s*:\s*)?(?:"[^"]*"|'[^']*'|-?\d[\w.]*|true|false|null|undefined)\s*,?$/;

function wordChars(text: string): number {
  return text.replace(/[^\w$]/g, "").length;
}

/** The file's lines that carry logic, normalised, with their original line numbers. */
export function normalisedLines(source: string, options: DuplicateOptions): Line[] {
  let { code } = scan(source);
  for (const ref of importsOf(source)) {
    if (ref.form === "statement") code = code.slice(0, ref.start) + code.slice(ref.start, ref.end).replace(/[^\n]/g, " ") + code.slice(ref.end);
  }
  const lines: Line[] = [];
  code.split("\n").forEach((raw, index) => {
    const text = raw.trim().replace(/\s+/g, " ");
    if (PUNCTUATION_ONLY.test(text) || LITERAL_ENTRY.test(text) || wordChars(text) < options.minLineWordChars) return;
    lines.push({ text, line: index + 1 });
  });
  return lines;
}

interface Place {
  path: string;
  /** Index of the window's first line in the file's normalised lines. */
  at: number;
}

/**
 * Each maximal run of windows found in two places (two files, or two places in one file that
 * do not overlap), as `a.ts:L1-L2 = b.ts:L3-L4 (n lines of logic): first line`.
 */
export function duplicates(project: ReadonlyMap<string, string>, options: DuplicateOptions): string[] {
  const linesOf = new Map<string, Line[]>();
  const places = new Map<string, Place[]>();
  for (const [path, source] of project) {
    const lines = normalisedLines(source, options);
    linesOf.set(path, lines);
    for (let at = 0; at + options.window <= lines.length; at++) {
      const window = lines.slice(at, at + options.window);
      if (window.reduce((n, l) => n + wordChars(l.text), 0) < options.minWordChars) continue;
      const key = window.map((l) => l.text).join("\n");
      places.set(key, [...(places.get(key) ?? []), { path, at }]);
    }
  }
  // Every pair of places that share a window, keyed so that a run's next window is found in one look-up.
  const pairKey = (a: Place, b: Place) => `${a.path}\0${a.at}\0${b.path}\0${b.at}`;
  const pairs = new Map<string, [Place, Place]>();
  for (const found of places.values()) {
    for (let i = 0; i < found.length; i++) {
      for (let j = i + 1; j < found.length; j++) {
        const a = found[i]!;
        const b = found[j]!;
        if (a.path === b.path && b.at - a.at < options.window) continue;
        pairs.set(pairKey(a, b), [a, b]);
      }
    }
  }
  const report: string[] = [];
  for (const [a, b] of pairs.values()) {
    const shifted = (p: Place, by: number): Place => ({ path: p.path, at: p.at + by });
    if (pairs.has(pairKey(shifted(a, -1), shifted(b, -1)))) continue; // Not the start of its run.
    let length = 1;
    while (pairs.has(pairKey(shifted(a, length), shifted(b, length)))) length++;
    const span = (p: Place) => {
      const lines = linesOf.get(p.path)!;
      return `${p.path}:${lines[p.at]!.line}-${lines[p.at + length + options.window - 2]!.line}`;
    };
    const count = length + options.window - 1;
    report.push(`${span(a)} = ${span(b)} (${count} lines of logic): ${linesOf.get(a.path)![a.at]!.text}`);
  }
  return report.sort();
}
