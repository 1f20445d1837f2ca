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
    // `__proto__`-style names are the language's, not ours.
    if (/^__[\w$]+__$/.test(m[1]!)) continue;
    // A member sits directly inside braces; a `_name:` directly inside parentheses is a parameter.
    if (innermostBracket(masked, m.index) === "{") found.push(`${path}:${lineAt(text, m.index)} ${m[1]}`);
  }
  return found;
}

function innermostBracket(text: string, end: number): string | undefined {
  const open: string[] = [];
  for (let k = 0; k < end; k++) {
    const c = text[k]!;
    if (c === "{" || c === "(" || c === "[") open.push(c);
    else if (c === "}" || c === ")" || c === "]") open.pop();
  }
  return open.at(-1);
}
