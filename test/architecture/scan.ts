// A lexer just deep enough for the architecture rules: it tells code from comments and string
// literals, so that an import written in a doc comment or a template never counts as one.

/** One string literal of the source: its value (escapes kept as written) and where it sits. */
export interface StringLiteral {
  value: string;
  start: number;
  end: number;
}

export interface Scanned {
  /** The source with every comment blanked (newlines kept, so offsets and lines still match). */
  code: string;
  /** `code` with every string literal's contents blanked too, quotes kept. */
  masked: string;
  strings: StringLiteral[];
}

// After these a `/` starts a regular expression rather than a division.
const BEFORE_REGEX = new Set("(,=:[!&|?{};+-*%<>~^".split(""));
const KEYWORDS_BEFORE_REGEX = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

function blank(text: string): string {
  return text.replace(/[^\n]/g, " ");
}

export function scan(source: string): Scanned {
  let code = "";
  let masked = "";
  const strings: StringLiteral[] = [];
  // Brace depth of each open `${` of a template literal, innermost last.
  const templates: number[] = [];
  let depth = 0;
  let i = 0;
  const keep = (end: number) => {
    const piece = source.slice(i, end);
    code += piece;
    masked += piece;
    i = end;
  };
  const comment = (end: number) => {
    const piece = blank(source.slice(i, end));
    code += piece;
    masked += piece;
    i = end;
  };
  const literal = (end: number, open: number, close: number) => {
    const piece = source.slice(i, end);
    code += piece;
    masked += piece.slice(0, open) + blank(piece.slice(open, piece.length - close)) + piece.slice(piece.length - close);
    strings.push({ value: piece.slice(open, piece.length - close), start: i, end });
    i = end;
  };
  // Index just past the template chunk starting at `from` (after a backtick or `}`), and whether it ended in `${`.
  const templateChunk = (from: number): [number, boolean] => {
    let j = from;
    while (j < source.length) {
      const c = source[j];
      if (c === "\\") j += 2;
      else if (c === "`") return [j + 1, false];
      else if (c === "$" && source[j + 1] === "{") return [j + 2, true];
      else j++;
    }
    return [j, false];
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      comment(end === -1 ? source.length : end);
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      comment(end === -1 ? source.length : end + 2);
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== "\n") j += source[j] === "\\" ? 2 : 1;
      literal(Math.min(j + 1, source.length), 1, 1);
    } else if (c === "`" || (c === "}" && templates.at(-1) === depth)) {
      if (c === "}") templates.pop();
      const [end, opensExpression] = templateChunk(i + 1);
      literal(end, 1, opensExpression ? 2 : 1);
      if (opensExpression) templates.push(depth);
    } else if (c === "/" && startsRegex(code)) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== "\n") {
        const r = source[j];
        if (r === "\\") j++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        j++;
      }
      j++;
      while (j < source.length && /[a-z]/.test(source[j]!)) j++;
      keep(j);
    } else {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      keep(i + 1);
    }
  }
  return { code, masked, strings };
}

function startsRegex(codeBefore: string): boolean {
  const trimmed = codeBefore.trimEnd();
  if (trimmed === "") return true;
  return BEFORE_REGEX.has(trimmed.at(-1)!) || KEYWORDS_BEFORE_REGEX.test(trimmed);
}

/** The 1-based line of `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let k = text.indexOf("\n"); k !== -1 && k < offset; k = text.indexOf("\n", k + 1)) line++;
  return line;
}
