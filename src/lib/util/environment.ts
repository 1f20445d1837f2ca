/** True when NODE_ENV says production (read lazily: edge runtimes have no process). */
export function isProduction(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NODE_ENV === "production";
}
