// The example's storage, chosen by the environment:
//   SESSION_STORAGE=memory (default) | cookie | redis, REDIS_URL, REDIS_PREFIX, SESSION_SECRET.
// The settings are the framework scenario's (test/frameworks/scenario.ts): a 2-second sliding
// refresh, so that a test can wait one out; a real app would leave touchInterval at its default.
import { createClient } from "redis";
import { createCookieSessionStorage, createMemorySessionStorage, type IdSessionStorage, type SessionStorage } from "tessera-session";
import { createRedisSessionStorage } from "tessera-session/redis";

export interface AppData {
  count: number;
  userId: string;
  notes: string;
}
export interface AppFlash {
  notice: string;
}

export interface AppStorage {
  storage: SessionStorage<AppData, AppFlash>;
  /** The same storage when it keeps sessions by user ("log out everywhere"), else null. */
  users: IdSessionStorage<AppData, AppFlash> | null;
  kind: string;
}

const options = {
  // A development secret: set SESSION_SECRET in production.
  cookie: { secrets: [process.env.SESSION_SECRET ?? "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk"], name: "sid", secure: false, maxAge: 3600 },
  idleTimeout: 3600,
  touchInterval: 2,
  userKey: "userId",
} as const;

function makeStorage(): AppStorage {
  const kind = process.env.SESSION_STORAGE ?? "memory";
  // Up to two cookies: long notes make a session too large for one.
  if (kind === "cookie") return { storage: createCookieSessionStorage<AppData, AppFlash>({ ...options, maxChunks: 2 }), users: null, kind };
  if (kind === "redis") {
    const client = createClient({ url: process.env.REDIS_URL, socket: { reconnectStrategy: () => 100, connectTimeout: 500 } });
    client.on("error", () => {});
    client.connect().catch(() => {});
    const prefix = process.env.REDIS_PREFIX ?? "tessera:next-example:";
    const users = createRedisSessionStorage<AppData, AppFlash>({ ...options, client, prefix, timeout: 500 });
    return { storage: users, users, kind };
  }
  const users = createMemorySessionStorage<AppData, AppFlash>(options);
  return { storage: users, users, kind: "memory" };
}

/**
 * One storage a process. Next bundles the proxy, the Route Handlers and the pages
 * into separate module graphs, each with its own copy of this module: a memory
 * store made at module scope would be one store per graph (a session saved by a
 * Route Handler unknown to the page), and a Redis client one connection per graph.
 * So it lives on globalThis, and is made on the first request, not by `next build`.
 */
export function appStorage(): AppStorage {
  const g = globalThis as { tesseraExampleStorage?: AppStorage };
  return (g.tesseraExampleStorage ??= makeStorage());
}
