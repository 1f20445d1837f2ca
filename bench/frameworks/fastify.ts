// One Fastify 5 server of the framework benchmarks, one variant per process: the bare framework,
// tessera's plugin over a cookie storage, and the Fastify session plugins doing the same counter.
//   node --import tsx bench/frameworks/fastify.ts <variant>    (prints the port)
import fastifyCookie from "@fastify/cookie";
import fastifySecureSession, { type Session as SecureSession } from "@fastify/secure-session";
import fastifySession from "@fastify/session";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { createCookieSessionStorage, type Session } from "../../dist/index.js";
import { session } from "../../dist/fastify.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";

interface Counter {
  count: number;
}

// `request.session` is declared by every session plugin imported here (and by tessera's own source,
// type-checked in the same program): each variant reads it as the type its plugin gives it.
const tessera = (request: FastifyRequest) => request.session as unknown as Session<Counter>;
const secure = (request: FastifyRequest) => request.session as unknown as SecureSession<Counter>;
const stored = (request: FastifyRequest) => request.session as unknown as Partial<Counter>;

const variants: Record<string, (app: FastifyInstance) => Promise<void>> = {
  bare: async (app) => {
    app.get("/", async () => "ok");
  },
  tessera: async (app) => {
    await app.register(session, { storage: createCookieSessionStorage({ cookie: { name: "s", secrets: [SECRET], secure: false } }) });
    app.get("/", async (request) => {
      const s = tessera(request);
      s.set("count", (s.get("count") ?? 0) + 1);
      return String(s.get("count"));
    });
  },
  // The sealed-cookie peer (libsodium secretbox), with its key as the 32 bytes of SECRET.
  "@fastify/secure-session": async (app) => {
    await app.register(fastifySecureSession, { key: Buffer.from(SECRET), cookieName: "s", cookie: { path: "/", httpOnly: true, secure: false } });
    app.get("/", async (request) => {
      const s = secure(request);
      s.set("count", (s.get("count") ?? 0) + 1);
      return String(s.get("count"));
    });
  },
  // The id peer: a signed id in the cookie, the session in its default in-memory store.
  "@fastify/session": async (app) => {
    await app.register(fastifyCookie);
    await app.register(fastifySession, { secret: SECRET, cookieName: "s", cookie: { secure: false }, saveUninitialized: false });
    app.get("/", async (request) => {
      const s = stored(request);
      s.count = (s.count ?? 0) + 1;
      return String(s.count);
    });
  },
};

const name = process.argv[2]!;
const setup = variants[name];
if (!setup) {
  console.error(`unknown variant ${name}; one of: ${Object.keys(variants).join(", ")}`);
  process.exit(2);
}
const app = Fastify();
try {
  await setup(app);
  await app.listen({ port: 0, host: "127.0.0.1" });
} catch (error) {
  console.error(`${name}: ${(error as Error).message}`);
  process.exit(3);
}
const address = app.server.address();
process.stdout.write(`${typeof address === "object" && address ? address.port : address}\n`);

// Exit cleanly on a signal, so that --cpu-prof can write its profile.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    app.server.closeAllConnections();
    void app.close().then(() => process.exit(0));
  });
}
