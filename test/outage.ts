// The outage scenario shared by the Redis and PostgreSQL tests.
import assert from "node:assert/strict";
import { SessionStoreError } from "../src/lib/errors.js";
import type { IdSessionStorage } from "../src/lib/engine/id-storage.js";
import { cookiePair, eventually } from "./helpers.js";
import type { TcpProxy } from "./tcp-proxy.js";

/**
 * With the server behind `proxy` cut off, `read` and `save` reject with
 * SessionStoreError (never a fresh anonymous session) within `limitMs`; once
 * the proxy is back, the same storage object reads the old session again.
 */
export async function survivesOutage(storage: IdSessionStorage, proxy: TcpProxy, limitMs: number): Promise<void> {
  const s = await storage.read(null);
  s.set("user", "ann");
  const cookie = cookiePair(await storage.save(s));
  await proxy.stop();
  const started = Date.now();
  await assert.rejects(storage.read(cookie), SessionStoreError);
  const fresh = await storage.read(null);
  fresh.set("x", 1);
  await assert.rejects(storage.save(fresh), SessionStoreError);
  assert.ok(Date.now() - started < limitMs, "no hang");
  await proxy.start();
  const back = await eventually(() => storage.read(cookie));
  assert.equal(back?.get("user"), "ann", "the same storage object works again");
}
