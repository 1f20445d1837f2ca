// #22 item 2: session values are JSON. What JSON cannot carry does not compile
// (and is a TypeError at run time: src/lib/session/session.test.ts).
import { createCookieSessionStorage, createMemorySessionStorage, type Json } from "tessera-session";

interface Profile {
  name: string;
  tags: string[];
  address?: { city: string };
}
interface Data {
  profile: Profile;
  count: number;
  seenAt: number | null;
  role: "admin" | "user";
}

export async function typedValues() {
  const storage = createMemorySessionStorage<Data, { notice: string }>();
  const session = await storage.read(null);
  session.set("profile", { name: "ann", tags: ["a"], address: { city: "Oslo" } });
  session.set("count", 1);
  session.set("seenAt", null);
  session.set("role", "admin");
  session.flash("notice", "ok");
  // @ts-expect-error: a Date becomes a string in JSON
  session.set("seenAt", new Date());
  // @ts-expect-error: the literal type is kept
  session.set("role", "root");
}

export async function untypedValues() {
  const storage = createCookieSessionStorage();
  const session = await storage.read(null);
  const profile: Profile = { name: "ann", tags: [] };
  session.set("profile", profile); // an interface of JSON data is fine
  session.set("n", 1);
  session.set("list", [1, "two", { three: 3 }]);
  const json: Json = { a: [1, null] };
  session.set("json", json);
  const unknown: unknown = JSON.parse("{}");
  session.set("parsed", unknown); // unknown: checked at run time
  // @ts-expect-error: a Date becomes a string
  session.set("at", new Date());
  // @ts-expect-error: a Map becomes {}
  session.set("m", new Map<string, number>());
  // @ts-expect-error: a Set becomes {}
  session.set("s", new Set<string>());
  // @ts-expect-error: deep inside too
  session.set("deep", { when: [new Date()] });
  // @ts-expect-error: a function is dropped
  session.set("f", () => 1);
  // @ts-expect-error: a bigint throws in JSON.stringify
  session.flash("big", 1n);
  // @ts-expect-error: a string or a Date: the Date half is refused
  session.set("either", Math.random() > 0.5 ? "x" : new Date());
}
