// The app's storage, chosen by the environment: SESSION_STORAGE=cookie (default) | redis | bench,
// REDIS_URL, REDIS_PREFIX. Its settings are the framework scenario's (test/frameworks/scenario.ts,
// SCENARIO_OPTIONS), written out here because the app is a build of its own that must not bundle
// the test runner: a 2-second sliding refresh, so that a test can wait one out.
import { createClient } from "redis";
import { createCookieSessionStorage, type SessionStorage } from "tessera-session";
import { createRedisSessionStorage } from "tessera-session/redis";

export interface AppData {
  count: number;
  userId: string;
}
export interface AppFlash {
  notice: string;
}

const settings = {
  // The scenario's SECRET_A (test/helpers.ts): a test secret, never a real one.
  cookie: { secrets: ["q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk"], name: "sid", secure: false, maxAge: 3600 },
  idleTimeout: 3600,
  touchInterval: 2,
} as const;

/** The storage SESSION_STORAGE names; a Redis one connects in the background (commands wait for it) and closes with the server. */
export function appStorage(): SessionStorage<AppData, AppFlash> {
  const kind = process.env.SESSION_STORAGE ?? "cookie";
  if (kind === "cookie") return createCookieSessionStorage<AppData, AppFlash>(settings);
  // The framework benchmarks' cookie (bench/frameworks/koa.ts): a session cookie, no timeouts.
  if (kind === "bench") return createCookieSessionStorage<AppData, AppFlash>({ cookie: { name: "s", secrets: settings.cookie.secrets, secure: false } });
  if (kind !== "redis") throw new Error(`SESSION_STORAGE=${kind}: cookie, redis or bench`);
  const client = createClient({ url: process.env.REDIS_URL, socket: { reconnectStrategy: () => 100, connectTimeout: 500 } });
  client.on("error", () => {});
  client.connect().catch(() => {});
  // adapter-node's signal that it has stopped serving: the open connection would keep the process alive.
  process.once("sveltekit:shutdown", () => void client.close().catch(() => {}));
  const prefix = process.env.REDIS_PREFIX ?? "tessera:sveltekit-test:";
  return createRedisSessionStorage<AppData, AppFlash>({ ...settings, client, prefix, timeout: 500 });
}
