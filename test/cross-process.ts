// Two child processes incrementing different keys of one session through a shared store.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { IdSessionStorage } from "../src/lib/engine/id-storage.js";
import { SECRET_A, cookiePair } from "./helpers.js";

const run = promisify(execFile);

/**
 * Creates a session through `storage` (this process), then runs two
 * `test/fixtures/incrementer.ts` processes on it, each adding 1 to its own key
 * `n` times, and checks that both processes found the session and that no
 * increment was lost. `storage` must use SECRET_A and the cookie name "sid".
 */
export async function incrementFromTwoProcesses(storage: IdSessionStorage, kind: string, where: string, name: string, n: number): Promise<void> {
  const s = await storage.read(null);
  s.set("createdBy", "parent");
  const cookie = cookiePair(await storage.save(s));
  const child = (key: string) =>
    run(process.execPath, ["--import", "tsx", "test/fixtures/incrementer.ts", kind, where, name, cookie, key, String(n)], {
      env: { ...process.env, SECRET: SECRET_A },
    });
  const [a, b] = await Promise.all([child("a"), child("b")]);
  assert.equal(a.stdout, '"parent"\n', "a session made by one process is read by another");
  assert.equal(b.stdout, '"parent"\n');
  const final = await storage.read(cookie);
  assert.equal(final.get("a"), n);
  assert.equal(final.get("b"), n);
  assert.equal(final.get("createdBy"), "parent");
}
