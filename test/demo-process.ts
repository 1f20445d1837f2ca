// Starts the demo app (examples/demo/server.js) as a real process for the tests.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";

export interface Demo {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startDemo(env: Record<string, string>): Promise<Demo> {
  const child = spawn(process.execPath, ["examples/demo/server.js"], {
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) resolve(m[0]);
    });
    child.once("exit", (code) => reject(new Error(`the demo exited (${code}): ${out}`)));
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
