// #20 item 1: a cookie storage made with `revocation` can log a user out everywhere; one without cannot.
import { z } from "zod";
import { createCookieSessionStorage, createRevocableCookieSessionStorage, MemoryRevocationStore, type RevocationStore } from "tessera-session";
import { RedisRevocationStore } from "tessera-session/redis";
import { PostgresRevocationStore } from "tessera-session/postgres";

const store: RevocationStore = new MemoryRevocationStore();
const revocable = createRevocableCookieSessionStorage<{ userId: string }>({ userKey: "userId", revocation: { store, checkInterval: 10, onUnavailable: "open" } });
export async function logOutEverywhereElse(request: Request) {
  const s = await revocable.read(request);
  const user = s.get("userId");
  if (user) await revocable.destroyAllSessions(user, { except: s });
  const none: void = await revocable.destroyAllSessions("ann");
  return none;
}

const plain = createCookieSessionStorage<{ userId: string }>({});
// @ts-expect-error: a plain cookie session cannot be ended before it expires
plain.destroyAllSessions("ann");
// @ts-expect-error: revocation is for createRevocableCookieSessionStorage
createCookieSessionStorage<{ userId: string }>({ userKey: "userId", revocation: { store } });
// @ts-expect-error: a revocable storage needs userKey
createRevocableCookieSessionStorage<{ userId: string }>({ revocation: { store } });

// The data type still comes from a schema.
const typed = createRevocableCookieSessionStorage({ schema: z.object({ userId: z.string() }), userKey: "userId", revocation: { store } });
export async function typedRead(request: Request) {
  const s = await typed.read(request);
  const user: string | undefined = s.get("userId");
  await typed.destroyAllSessions(user ?? "", { except: s });
}

// @ts-expect-error: userKey names a key of the session's data
createRevocableCookieSessionStorage<{ userId: string }>({ userKey: "user", revocation: { store } });
// @ts-expect-error: "fail" is neither "open" nor "closed"
createRevocableCookieSessionStorage<{ userId: string }>({ userKey: "userId", revocation: { store, onUnavailable: "fail" } });

export const redisStore: RevocationStore = new RedisRevocationStore({ client: { sendCommand: async () => null } });
export const pgStore: RevocationStore = new PostgresRevocationStore({ pool: { query: async () => ({ rows: [], rowCount: 0 }) } });
