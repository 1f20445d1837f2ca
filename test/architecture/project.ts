// The sources the rules judge, as repo-relative POSIX paths to text, and the import graph
// between them. The rules take a Project, so a test can hand them a made-up one.
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, posix } from "node:path";
import { importsOf, type ImportKind } from "./imports.js";

export type Project = ReadonlyMap<string, string>;

export type Target =
  | { kind: "file"; path: string }
  | { kind: "node"; name: string }
  | { kind: "package"; name: string }
  | { kind: "unresolved"; specifier: string };

export interface Edge {
  from: string;
  line: number;
  specifier: string;
  kind: ImportKind;
  to: Target;
}

const BUILTINS = new Set(builtinModules);

/** Every file under `dirs` (repo-relative) whose name ends in one of `suffixes`. */
export function loadProject(root: string, dirs: string[], suffixes: string[]): Project {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (suffixes.some((s) => entry.name.endsWith(s))) files.set(path, readFileSync(join(root, path), "utf8"));
    }
  };
  for (const dir of dirs) walk(dir);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function isTest(path: string): boolean {
  return /\.test\.ts$/.test(path);
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]!);
}

/** What `specifier`, imported by `from`, names: a project file (`./x.js` is `./x.ts`), a Node builtin, a package. */
export function resolve(project: Project, from: string, specifier: string): Target {
  if (isNodeBuiltin(specifier)) return { kind: "node", name: specifier };
  if (!specifier.startsWith(".")) return { kind: "package", name: specifier };
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [base.replace(/\.(m|c)?js$/, ".$1ts"), base, `${base}.ts`, `${base}/index.ts`];
  const path = candidates.find((c) => project.has(c));
  return path === undefined ? { kind: "unresolved", specifier } : { kind: "file", path };
}

export function edgesOf(project: Project, path: string): Edge[] {
  return importsOf(project.get(path) ?? "").map((ref) => ({
    from: path,
    line: ref.line,
    specifier: ref.specifier,
    kind: ref.kind,
    to: resolve(project, path, ref.specifier),
  }));
}

/** `file:line imports "spec"` plus the kind when it is not a plain value import. */
export function describeEdge(edge: Edge): string {
  const kind = edge.kind === "value" ? "" : ` (${edge.kind})`;
  return `${edge.from}:${edge.line} imports "${edge.specifier}"${kind}`;
}
