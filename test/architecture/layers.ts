// Which project files a folder of sources may import. A path ending in `/` names a folder and
// everything under it; any other path names one file.
import { describeEdge, edgesOf, isTest, type Edge, type Project } from "./project.js";

export interface Allowed {
  path: string;
  /** Only `import type` / `export type … from` of it: its values stay out of reach. */
  typeOnly?: boolean;
}

export type Layer =
  | { files: string; allow: Allowed[]; forbid?: never }
  | { files: string; forbid: string[]; allow?: never };

function covers(path: string, rule: string): boolean {
  return rule.endsWith("/") ? path.startsWith(rule) : path === rule;
}

function verdict(layer: Layer, edge: Edge): string | undefined {
  const to = edge.to;
  if (to.kind === "unresolved") return "which resolves to no file";
  if (to.kind !== "file") return undefined; // Node builtins and packages are every layer's to use.
  if (layer.forbid !== undefined) {
    const rule = layer.forbid.find((f) => covers(to.path, f));
    return rule === undefined ? undefined : `(${to.path}): ${rule} is forbidden here`;
  }
  const allowed = layer.allow.find((a) => covers(to.path, a.path));
  if (allowed === undefined) return `(${to.path}): not in the allowed list`;
  if (allowed.typeOnly === true && edge.kind !== "type") return `(${to.path}): only \`import type\` of it is allowed`;
  return undefined;
}

/** Each import of a (non-test) file in the layer that the layer does not allow. */
export function layerViolations(project: Project, layer: Layer): string[] {
  const found: string[] = [];
  for (const path of project.keys()) {
    if (!path.startsWith(layer.files) || isTest(path)) continue;
    for (const edge of edgesOf(project, path)) {
      const why = verdict(layer, edge);
      if (why !== undefined) found.push(`${describeEdge(edge)} ${why}`);
    }
  }
  return found;
}
