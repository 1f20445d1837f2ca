// #17: the h3 middleware carries the session's data type to `useSession(event)` and
// `event.context.session`, once the app extends h3's `H3EventContext` with `SessionContext`.
import { H3 } from "h3";
import { createMemorySessionStorage } from "tessera-session";
import { session, useSession, type SessionContext } from "tessera-session/h3";

interface Data {
  userId: string;
  count: number;
}
interface Flash {
  notice: string;
}

declare module "h3" {
  interface H3EventContext extends SessionContext<Data, Flash> {}
}

const storage = createMemorySessionStorage<Data, Flash>({ userKey: "userId" });

export const app = new H3().use(session(storage));

app.post("/login", (event) => {
  const s = useSession(event);
  s.regenerateId();
  s.set("userId", "ann");
  s.flash("notice", "Welcome ann");
  // @ts-expect-error: not a key of Data
  s.set("userID", "ann");
  // @ts-expect-error: a count is a number
  s.set("count", "1");
  // @ts-expect-error: a flash value has its declared type
  s.flash("notice", 1);
  return null;
});

app.get("/", (event) => {
  const count: number | undefined = event.context.session.get("count");
  const notice: string | undefined = useSession(event).get("notice");
  // @ts-expect-error: a user id is a string
  const wrong: number | undefined = useSession(event).get("userId");
  return { count, notice, wrong };
});
