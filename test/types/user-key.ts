// #22 item 1: `userKey` is a key of the session's data, so a typo does not compile
// (and at run time a sign-in saved without it warns once: src/lib/engine/touch-reload.test.ts).
import { createMemorySessionStorage, createSessionStorage, MemoryStore } from "tessera-session";
import { createRedisSessionStorage } from "tessera-session/redis";
import type { RedisClientType } from "redis";

interface Data {
  userId: string;
  cart: string[];
}
declare const client: RedisClientType;

export function keys() {
  createMemorySessionStorage<Data>({ userKey: "userId" });
  createSessionStorage<Data>({ store: new MemoryStore(), userKey: "userId" });
  createRedisSessionStorage<Data>({ client, userKey: "userId" });
  // @ts-expect-error: a typo of "userId"
  createMemorySessionStorage<Data>({ userKey: "userID" });
  // @ts-expect-error: not a key of Data
  createRedisSessionStorage<Data>({ client, userKey: "user" });
  // Untyped data: any key, and the data type is not guessed from userKey.
  const untyped = createMemorySessionStorage({ userKey: "whoever" });
  return untyped.read(null).then((s) => s.set("anything", 1));
}
