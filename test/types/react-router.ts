// #22 item 3: what is assignable to react-router's `SessionStorage`. The drop-in
// (`tessera-session/react-router`) is; the core storages are not, by design
// (their `Session` is a class whose state only its storage can read), as the
// README's "Coming from Remix / react-router" section says.
import type { SessionStorage as RRSessionStorage, Session as RRSession } from "react-router";
import { createCookieSessionStorage as core } from "tessera-session";
import { createCookieSessionStorage, createMemorySessionStorage, createSessionStorage } from "tessera-session/react-router";

interface Data {
  userId: string;
}
interface Flash {
  notice: string;
}

export const dropIn: RRSessionStorage<Data, Flash> = createCookieSessionStorage<Data, Flash>({ cookie: { secrets: ["s3cr3t"] } });
export const dropInMemory: RRSessionStorage<Data, Flash> = createMemorySessionStorage<Data, Flash>();
export const dropInStrategy: RRSessionStorage<Data> = createSessionStorage<Data>({
  createData: async () => "id",
  readData: async () => null,
  updateData: async () => {},
  deleteData: async () => {},
});

export async function sessions(storage: RRSessionStorage<Data, Flash>) {
  const session: RRSession<Data, Flash> = await storage.getSession(null);
  session.set("userId", "ann");
  return storage.commitSession(session, { expires: new Date(), maxAge: 60 });
}

// @ts-expect-error: a core storage's commitSession takes tessera's Session class, not any react-router Session
export const coreIsNot: RRSessionStorage<Data, Flash> = core<Data, Flash>();
