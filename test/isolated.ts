// Runs code that needs a process of its own: NODE_ENV set, console output to
// read, or a once-per-process warning, none of which may leak into the test
// process that every other test in the file shares.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `source`, a JavaScript module (no type syntax: tsx loads the TypeScript
 * it imports, not the script itself), in a new Node process. Its relative
 * imports resolve from the module at `from` (pass `import.meta.url`). `env` is
 * added to this process's environment; an `undefined` value removes a variable.
 */
export async function runScript(from: string, source: string, env: Record<string, string | undefined> = {}): Promise<ScriptRun> {
  // The test runner's own variable would make a child that imports node:test report to it.
  const merged: Record<string, string | undefined> = { ...process.env, NODE_TEST_CONTEXT: undefined, ...env };
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", source], {
    cwd: dirname(fileURLToPath(from)),
    env: Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined)) as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}

/** The lines of `text`, without the newline that ends the last one. */
export function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/** An error as `console.error(error)` prints it: its name, its code when it has one, its message. */
export interface PrintedError {
  name: string;
  code?: string;
  message: string;
}

/**
 * The errors `console.error(error)` printed to `stderr`, in order: the first
 * line of each (`TypeError [CODE]: message`), which is the one line of the
 * printout at column 0 that names an error (stack lines and properties are indented).
 */
export function printedErrors(stderr: string): PrintedError[] {
  return [...stderr.matchAll(/^(\w*Error)(?: \[([A-Z0-9_]+)\])?: (.*)$/gm)].map(([, name, code, message]) =>
    code === undefined ? { name: name!, message: message! } : { name: name!, code, message: message! },
  );
}
