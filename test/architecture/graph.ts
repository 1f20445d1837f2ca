// Walks of the import graph between project files: what an entry reaches, and the circles.
import { describeEdge, edgesOf, isTest, type Edge, type Project } from "./project.js";

/**
 * Each Node builtin that `entry` reaches through project files, as the chain of files that
 * leads to it (the shortest one) and the import that names it. Without `typeImports`, only
 * what loads at run time counts: `import type` and `typeof import()` are erased, so neither
 * they nor the files reached only through them are followed.
 */
export function nodeImportsReached(project: Project, entry: string, { typeImports }: { typeImports: boolean }): string[] {
  const via = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  const found: string[] = [];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    for (const edge of edgesOf(project, path)) {
      if (edge.kind === "type" && !typeImports) continue;
      if (edge.to.kind === "node") found.push(`${via.get(path)!.join(" → ")}: ${describeEdge(edge)}`);
      if (edge.to.kind !== "file" || via.has(edge.to.path)) continue;
      via.set(edge.to.path, [...via.get(path)!, edge.to.path]);
      queue.push(edge.to.path);
    }
  }
  return found;
}

function fileEdges(project: Project): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const path of project.keys()) {
    if (isTest(path)) continue;
    const targets = edgesOf(project, path).flatMap((e: Edge) => (e.to.kind === "file" ? [e.to.path] : []));
    graph.set(path, [...new Set(targets)].sort());
  }
  return graph;
}

/** The shortest path from `start` back to `start`, staying inside `within`. */
function shortestCycle(graph: Map<string, string[]>, start: string, within: Set<string>): string[] | undefined {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const next of graph.get(node) ?? []) {
      if (!within.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== start && at !== undefined; at = parent.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (parent.has(next)) continue;
      parent.set(next, node);
      queue.push(next);
    }
  }
  return undefined;
}

/** Strongly connected components (Tarjan), each as a set of files. */
function components(graph: Map<string, string[]>): Set<string>[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: Set<string>[] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = new Set<string>();
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      onStack.delete(top);
      component.add(top);
      if (top === node) break;
    }
    found.push(component);
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** Every import circle among the (non-test) files, as `a → b → a`: the shortest through each file in one. */
export function importCycles(project: Project): string[] {
  const graph = fileEdges(project);
  const cycles = new Set<string>();
  for (const component of components(graph)) {
    for (const node of [...component].sort()) {
      const cycle = shortestCycle(graph, node, component);
      if (cycle === undefined) continue;
      // One spelling per circle: start it at its smallest file.
      const ring = cycle.slice(0, -1);
      const first = ring.indexOf([...ring].sort()[0]!);
      const rotated = [...ring.slice(first), ...ring.slice(0, first)];
      cycles.add([...rotated, rotated[0]].join(" → "));
    }
  }
  return [...cycles].sort();
}
