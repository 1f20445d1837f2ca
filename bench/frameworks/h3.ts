// One h3 2 server of the framework benchmarks, one variant per process: the bare framework,
// tessera's middleware over a cookie storage, and h3's own `useSession` (a sealed cookie) doing the same counter.
//   node --import tsx bench/frameworks/h3.ts <variant>    (prints the port)
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { H3, toNodeHandler, useSession as h3Session } from "h3";
import { createCookieSessionStorage, type Session } from "../../dist/index.js";
import { session, useSession } from "../../dist/h3.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";

const variants: Record<string, () => H3> = {
  bare: () => new H3().get("/", () => "ok"),
  tessera: () =>
    new H3().use(session(createCookieSessionStorage<{ count: number }>({ cookie: { name: "s", secrets: [SECRET], secure: false } }))).get("/", (event) => {
      // Typed here by a cast: an app types it once through H3EventContext (see the README).
      const s = useSession(event) as unknown as Session<{ count: number }>;
      s.set("count", (s.get("count") ?? 0) + 1);
      return String(s.get("count"));
    }),
  // The peer: h3's sealed cookie session (iron-style AES-CBC + HMAC through Web Crypto) in `s`.
  "h3 useSession": () =>
    new H3().get("/", async (event) => {
      const s = await h3Session<{ count?: number }>(event, { name: "s", password: SECRET, cookie: { secure: false } });
      const count = (s.data.count ?? 0) + 1;
      await s.update({ count });
      return String(count);
    }),
};

const name = process.argv[2]!;
const make = variants[name];
if (!make) {
  console.error(`unknown variant ${name}; one of: ${Object.keys(variants).join(", ")}`);
  process.exit(2);
}
const server = createServer(toNodeHandler(make())).listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});

// Exit cleanly on a signal, so that --cpu-prof can write its profile.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
