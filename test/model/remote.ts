/** An endpoint in a child process: every call is one IPC round trip. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Endpoint } from "./endpoint.js";
import type { SharedStore } from "./stores.js";

export async function remoteEndpoint(spec: SharedStore): Promise<Endpoint> {
  const child: ChildProcess = fork(fileURLToPath(new URL("./endpoint-process.ts", import.meta.url)), [JSON.stringify(spec)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  child.on("message", (m: { n: number; ok: boolean; value?: unknown; error?: string }) => {
    const w = waiting.get(m.n);
    waiting.delete(m.n);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error(`in the second process: ${m.error}`));
  });
  child.once("exit", (code) => {
    for (const w of waiting.values()) w.reject(new Error(`the second process exited (${code})`));
    waiting.clear();
  });
  await new Promise<void>((resolve, reject) => {
    waiting.set(0, { resolve: () => resolve(), reject });
  });
  const call = (method: string) => (...args: unknown[]) =>
    new Promise<never>((resolve, reject) => {
      const n = next++;
      waiting.set(n, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ n, method, args });
    });
  return {
    open: call("open"),
    act: call("act"),
    save: call("save"),
    revokeAll: call("revokeAll"),
    isFresh: call("isFresh"),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      await call("close")().catch(() => {});
      await exited;
    },
  };
}
