// #22 item 9: the Hono middleware carries the session's data type to `c.get("session")`,
// and a listing's `data` is the session's data type.
import { Hono } from "hono";
import { createMemorySessionStorage } from "tessera-session";
import { session, type SessionEnv } from "tessera-session/hono";

interface Data {
  userId: string;
  count: number;
}
const storage = createMemorySessionStorage<Data>({ userKey: "userId" });

// Chained after the middleware: typed without any declaration.
export const chained = new Hono().use(session(storage)).get("/", (c) => {
  const count: number | undefined = c.get("session").get("count");
  // @ts-expect-error: a count is a number
  c.get("session").set("count", "1");
  return c.text(String(count));
});

// A whole app typed by its Env.
export const app = new Hono<SessionEnv<Data>>();
app.use(session(storage));
app.post("/login", (c) => {
  c.get("session").regenerateId();
  c.get("session").set("userId", "ann");
  // @ts-expect-error: not a key of Data
  c.get("session").set("userID", "ann");
  return c.redirect("/");
});

export async function devices() {
  const [first] = await storage.listSessions("ann");
  const user: string | undefined = first?.data.userId;
  // @ts-expect-error: a listing's data has the session's keys only
  first?.data.nope;
  return user;
}
