// Picks the demo's session storage from the environment:
//   REDIS_URL=...        Redis (node-redis)
//   DATABASE_URL=...     PostgreSQL (pg)
//   SESSION_STORE=memory | cookie | file (default: file, under the data folder)
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMemorySessionStorage, createRevocableCookieSessionStorage, MemoryRevocationStore } from "../../dist/index.js";
import { createFileSessionStorage } from "../../dist/file.js";

/** SESSION_SECRET, or (outside production) one generated once and kept in the data folder. */
function secret(dataDir) {
  if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET;
  if (process.env.NODE_ENV === "production") throw new Error("SESSION_SECRET is required in production");
  const file = join(dataDir, "secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    const value = randomBytes(32).toString("base64url");
    writeFileSync(file, value, { mode: 0o600 });
    console.log(`No SESSION_SECRET set: generated one and kept it in ${file}`);
    return value;
  }
}

export async function createStorage(dataDir) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const options = {
    cookie: {
      name: "demo_session",
      secrets: [secret(dataDir)],
      // Secure, as in production: browsers keep Secure cookies from http://localhost and
      // http://127.0.0.1, and tessera sends them there outside production.
    },
    userKey: "userId",
    idleTimeout: 30 * 60,
    absoluteTimeout: 12 * 60 * 60,
  };
  if (process.env.REDIS_URL) {
    const { createClient } = await import("redis");
    const { createRedisSessionStorage } = await import("../../dist/redis.js");
    const client = createClient({ url: process.env.REDIS_URL });
    client.on("error", (error) => console.error("redis:", error.message));
    await client.connect();
    return { kind: "redis", storage: createRedisSessionStorage({ ...options, client, prefix: process.env.REDIS_PREFIX ?? "tessera-demo:" }) };
  }
  if (process.env.DATABASE_URL) {
    const pg = (await import("pg")).default;
    const { createPostgresSessionStorage } = await import("../../dist/postgres.js");
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
    pool.on("error", (error) => console.error("postgres:", error.message));
    const storage = createPostgresSessionStorage({ ...options, pool, table: process.env.DATABASE_TABLE ?? "tessera_demo_sessions" });
    await storage.store.ensureTable();
    return { kind: "postgres", storage };
  }
  switch (process.env.SESSION_STORE ?? "file") {
    case "memory":
      return { kind: "memory", storage: createMemorySessionStorage(options) };
    case "cookie":
      // Revocable: "sign out all other sessions" and "sign out" end every copy of a cookie. One
      // process keeps its revocations in memory; a fleet shares a RedisRevocationStore.
      // Up to two cookies: the dashboard's notes make a session too large for one.
      return { kind: "cookie", storage: createRevocableCookieSessionStorage({ ...options, maxChunks: 2, revocation: { store: new MemoryRevocationStore() } }) };
    case "file":
      return { kind: "file", storage: createFileSessionStorage({ ...options, dir: join(dataDir, "sessions") }) };
    default:
      throw new Error(`SESSION_STORE must be memory, cookie or file, not ${process.env.SESSION_STORE}`);
  }
}
