/**
 * A Node builtin through `process.getBuiltinModule` (Node >= 20.16, Bun, Deno,
 * Workers with nodejs_compat), so the core has no `node:` import; undefined where
 * the runtime has none, or where reading it throws (Next.js's Edge sandbox does).
 */
export function builtinModule<T>(id: string): T | undefined {
  try {
    return (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}
