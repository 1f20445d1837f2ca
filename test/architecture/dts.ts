// Members of published declarations whose name starts with `_`: a name a user can see, type
// against and come to rely on, which should be `#private` or not exported at all.
import { lineAt, scan } from "./scan.js";

// A member declaration at the start of its line: modifiers, a `_name`, then `?`/`!`, and `:`, `(`, `<`, `;` or `=`.
const MEMBER = /^[ \t]*(?:(?:public|private|protected|static|readonly|abstract|declare|override|accessor|get|set)\s+)*(_[\w$]*)\s*[?!]?\s*[:(<;=]/gm;

/** `file:line _name` for each `_`-prefixed member of a class, interface or object type in the `.d.ts` text. */
export function underscoreMembers(path: string, text: string): string[] {
  const { masked } = scan(text);
  const found: string[] = [];
  for (const m of masked.matchAll(MEMBER)) {
    // A member sits inside braces; a `_name:` inside parentheses is a parameter of a multi-line signature.
    const before = masked.slice(0, m.index);
    const parens = count(before, "(") - count(before, ")");
    const braces = count(before, "{") - count(before, "}");
    if (parens === 0 && braces > 0) found.push(`${path}:${lineAt(text, m.index)} ${m[1]}`);
  }
  return found;
}

function count(text: string, char: string): number {
  let n = 0;
  for (let k = text.indexOf(char); k !== -1; k = text.indexOf(char, k + 1)) n++;
  return n;
}
