// On the Node it runs on, what the built package makes of process.getBuiltinModule:
// the crypto backend storages pick by default, and whether currentSession() sees
// the request's session inside withSession(). One JSON line on stdout.
import { createCookieSessionStorage, createMemorySessionStorage } from "tessera-session";
import { currentSession, getSession, withSession } from "tessera-session/fetch";

const secrets = ["q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk"];
const storages = {
  cookie: createCookieSessionStorage({ cookie: { secrets } }),
  memory: createMemorySessionStorage({ cookie: { secrets } }),
};

/** One request through withSession(): what currentSession() gave, and the response. */
async function ambient(storage) {
  let seen;
  const app = withSession(storage, async (request) => {
    const s = await getSession(request);
    s.set("user", "ann");
    try {
      seen = (await currentSession()) === s ? "same session" : "another session";
    } catch (error) {
      seen = error.message;
    }
    return new Response("ok");
  });
  const response = await app(new Request("https://app.example/"));
  return { seen, status: response.status, setsSessionCookie: response.headers.getSetCookie().some((c) => c.startsWith("__Host-session=")) };
}

const report = { version: process.version, getBuiltinModule: typeof process.getBuiltinModule, crypto: {}, currentSession: {} };
for (const [kind, storage] of Object.entries(storages)) {
  report.crypto[kind] = storage.cookie.crypto.name;
  report.currentSession[kind] = await ambient(storage);
}
console.log(JSON.stringify(report));
