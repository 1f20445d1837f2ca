// #22 item 1: `userKey` is a key of the session's data, so a typo does not compile, nor does a key
// whose values are objects or arrays
// (and at run time a sign-in saved without it warns once: src/lib/engine/touch-reload.test.ts).
import { createMemorySessionStorage, createRevocableCookieSessionStorage, createSessionStorage, MemoryRevocationStore, MemoryStore } from "tessera-session";
import { createRedisSessionStorage } from "tessera-session/redis";
import type { RedisClientType } from "redis";

interface Data {
  userId: string;
  cart: string[];
}
interface Shapes {
  id?: number;
  email: string | null;
  profile: { id: string };
  roles: string[];
  anything: unknown;
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
  // Only a key whose values are strings or numbers can hold a user id (optional and null allowed).
  createMemorySessionStorage<Shapes>({ userKey: "id" });
  createMemorySessionStorage<Shapes>({ userKey: "email" });
  createMemorySessionStorage<Shapes>({ userKey: "anything" });
  createRevocableCookieSessionStorage<Shapes>({ userKey: "email", revocation: { store: new MemoryRevocationStore() } });
  // @ts-expect-error: an object is no user id
  createMemorySessionStorage<Shapes>({ userKey: "profile" });
  // @ts-expect-error: nor is an array
  createSessionStorage<Shapes>({ store: new MemoryStore(), userKey: "roles" });
  // @ts-expect-error: nor on a revocable cookie storage
  createRevocableCookieSessionStorage<Shapes>({ userKey: "profile", revocation: { store: new MemoryRevocationStore() } });
  // Untyped data: any key, and the data type is not guessed from userKey.
  const untyped = createMemorySessionStorage({ userKey: "whoever" });
  return untyped.read(null).then((s) => s.set("anything", 1));
}
