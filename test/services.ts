/**
 * The servers some tests need. Without CI=true a missing server skips those
 * tests with one line naming it; with CI=true it fails them.
 */
import { connect } from "node:net";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || defaultPort) });
    socket.setTimeout(1000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

/** `false` when the tests should run; a skip reason otherwise. Throws under CI=true when the server is missing. */
export async function need(name: "Redis" | "PostgreSQL"): Promise<false | string> {
  const url = name === "Redis" ? REDIS_URL : DATABASE_URL;
  if (await reachable(url, name === "Redis" ? 6379 : 5432)) return false;
  const line = `${name} is not reachable at ${url.replace(/\/\/[^@]*@/, "//")}`;
  if (process.env.CI === "true") throw new Error(`${line}, and CI=true requires it`);
  console.log(`# skipped: ${line}`);
  return line;
}
