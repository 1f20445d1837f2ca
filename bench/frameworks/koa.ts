// One Koa 3 server of the framework benchmarks, one variant per process: the bare framework,
// tessera's middleware over a cookie storage, and koa-session doing the same counter.
//   node --import tsx bench/frameworks/koa.ts <variant>    (prints the port)
import type { AddressInfo } from "node:net";
import Koa from "koa";
import koaSession from "koa-session";
import { createCookieSessionStorage } from "../../dist/index.js";
import { session } from "../../dist/koa.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";

// Each app keeps the context type its middleware gave it.
const variants: Record<string, () => Koa<any, any>> = {
  bare: () => new Koa().use((ctx) => void (ctx.body = "ok")),
  tessera: () =>
    new Koa().use(session(createCookieSessionStorage<{ count: number }>({ cookie: { name: "s", secrets: [SECRET], secure: false } }))).use((ctx) => {
      ctx.session.set("count", (ctx.session.get("count") ?? 0) + 1);
      ctx.body = String(ctx.session.get("count"));
    }),
  // The peer in its cookie mode: the session as base64 JSON in `s`, signed by Koa's keys in `s.sig`.
  "koa-session": () => {
    const app = new Koa({ keys: [SECRET] });
    return app.use(koaSession({ key: "s", signed: true }, app)).use((ctx) => {
      const s = ctx.session as unknown as { count?: number };
      s.count = (s.count ?? 0) + 1;
      ctx.body = String(s.count);
    });
  },
};

const name = process.argv[2]!;
const make = variants[name];
if (!make) {
  console.error(`unknown variant ${name}; one of: ${Object.keys(variants).join(", ")}`);
  process.exit(2);
}
const app = make();
app.silent = true;
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});

// Exit cleanly on a signal, so that --cpu-prof can write its profile.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
