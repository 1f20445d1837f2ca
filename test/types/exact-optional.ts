// #22 item 5: options take an explicit `undefined` under `exactOptionalPropertyTypes`
// (this directory compiles with that flag on: test/types/tsconfig.json), as they come
// from configuration that may be unset.
import { createCookieSessionStorage, createMemorySessionStorage, createCookie } from "tessera-session";
import { createRedisSessionStorage } from "tessera-session/redis";
import { createPostgresSessionStorage } from "tessera-session/postgres";
import { createFileSessionStorage } from "tessera-session/file";
import { withSession } from "tessera-session/fetch";
import { session as nodeSession } from "tessera-session/node";
import { session as honoSession } from "tessera-session/hono";
import type { RedisClientType } from "redis";
import type { Pool } from "pg";

declare const client: RedisClientType;
declare const pool: Pool;
const env = process.env;
const maybe = <T>(value: T): T | undefined => (env.UNSET ? value : undefined);

const cookie = {
  secrets: [env.SESSION_SECRET],
  name: maybe("sid"),
  domain: env.COOKIE_DOMAIN,
  path: maybe("/"),
  maxAge: maybe(3600),
  secure: maybe(true),
  httpOnly: maybe(true),
  sameSite: maybe("lax" as const),
  encrypt: maybe(true),
};
const timeouts = { idleTimeout: maybe(3600), absoluteTimeout: maybe(86400), touchInterval: maybe(60), onEvent: undefined, transport: undefined };

export const storages = [
  createCookieSessionStorage({ cookie, ...timeouts, clockTolerance: maybe(60) }),
  createMemorySessionStorage({ cookie, ...timeouts, userKey: maybe("userId"), maxSessions: maybe(1000), maxAnonymousSessions: maybe(100) }),
  createRedisSessionStorage({ client, cookie, ...timeouts, prefix: maybe("s:"), timeout: maybe(1000) }),
  createPostgresSessionStorage({ pool, cookie, ...timeouts, table: maybe("sessions") }),
  createFileSessionStorage({ dir: "/tmp/sessions", cookie, ...timeouts }),
];
export const made = createCookie("c", { secrets: ["a-secret-from-your-config"], maxAge: maybe(60), path: undefined });
const storage = storages[0]!;
export const integrations = [
  withSession(storage, () => new Response("ok"), { trustProxy: maybe(true), currentSession: maybe(false) }),
  nodeSession(storage, { trustProxy: maybe(true), currentSession: undefined }),
  honoSession(storage, { trustProxy: undefined }),
];
export async function perCall() {
  const s = await storage.read(null);
  s.regenerateId({ keep: undefined });
  return storage.commitSession(s, { maxAge: maybe(60) });
}
