// One server of `npm run bench:http`: node:http on 127.0.0.1, one variant per
// process. Each request reads the session, increments a counter and saves.
//   node --import tsx bench/http-server.ts <variant>    (prints the port)
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createCookieSessionStorage as remixCookie, createMemorySessionStorage as remixMemory } from "@remix-run/node";
import express from "express";
import expressSession from "express-session";
import { getIronSession } from "iron-session";
import { createCookieSessionStorage, createMemorySessionStorage, type SessionStorage } from "../dist/index.js";
import { session, type SessionRequest } from "../dist/node.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const cookieOf = (req: IncomingMessage, name: string) => {
  const header = req.headers.cookie ?? "";
  const at = header.indexOf(`${name}=`);
  if (at < 0) return undefined;
  const end = header.indexOf(";", at);
  return header.slice(at + name.length + 1, end < 0 ? undefined : end);
};

/** About 20 lines: an AES-256-GCM cookie with a cached key. No validation, no timeouts. */
function handCookie(): Handler {
  const key = randomBytes(32);
  return (req, res) => {
    let data: { count?: number } = {};
    const raw = cookieOf(req, "s");
    if (raw) {
      const b = Buffer.from(raw, "base64url");
      const d = createDecipheriv("aes-256-gcm", key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(b.length - 16));
      try {
        data = JSON.parse(Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString());
      } catch {}
    }
    data.count = (data.count ?? 0) + 1;
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, iv);
    const out = Buffer.concat([iv, c.update(JSON.stringify(data)), c.final(), c.getAuthTag()]).toString("base64url");
    res.writeHead(200, { "Set-Cookie": `s=${out}; Path=/; HttpOnly; SameSite=Lax` });
    res.end(String(data.count));
  };
}

/** About 20 lines: the session as HMAC-SHA-256-signed base64url JSON. */
function handSignedCookie(): Handler {
  const key = randomBytes(32);
  const sign = (v: string) => createHmac("sha256", key).update(v).digest("base64url");
  return (req, res) => {
    let data: { count?: number } = {};
    const raw = cookieOf(req, "s");
    const dot = raw ? raw.lastIndexOf(".") : -1;
    if (raw && dot > 0) {
      const v = raw.slice(0, dot);
      const mac = Buffer.from(raw.slice(dot + 1));
      const good = Buffer.from(sign(v));
      if (mac.length === good.length && timingSafeEqual(mac, good)) data = JSON.parse(Buffer.from(v, "base64url").toString());
    }
    data.count = (data.count ?? 0) + 1;
    const v = Buffer.from(JSON.stringify(data)).toString("base64url");
    res.writeHead(200, { "Set-Cookie": `s=${v}.${sign(v)}; Path=/; HttpOnly; SameSite=Lax` });
    res.end(String(data.count));
  };
}

/** About 20 lines: a signed id over a Map. */
function handMap(): Handler {
  const key = randomBytes(32);
  const map = new Map<string, { count: number }>();
  const sign = (id: string) => createHmac("sha256", key).update(id).digest("base64url");
  return (req, res) => {
    const raw = cookieOf(req, "s");
    let id: string | undefined;
    if (raw) {
      const [v, mac] = raw.split(".");
      if (v && mac && timingSafeEqual(Buffer.from(mac), Buffer.from(sign(v)))) id = v;
    }
    const headers: Record<string, string> = {};
    if (!id || !map.has(id)) {
      id = randomBytes(16).toString("base64url");
      map.set(id, { count: 0 });
      headers["Set-Cookie"] = `s=${id}.${sign(id)}; Path=/; HttpOnly; SameSite=Lax`;
    }
    const data = map.get(id)!;
    data.count++;
    res.writeHead(200, headers);
    res.end(String(data.count));
  };
}

/**
 * Writes a response from an async handler. After an await, Node has already
 * uncorked the socket, and the response goes out in more system calls; corking
 * it again cost nothing and measured 1.5x the throughput of a bare server here.
 * Every async variant (tessera's, Remix's, iron-session's) answers through it;
 * the tessera/node middleware does the same by itself.
 */
function send(res: ServerResponse, headers: Record<string, string>, body: string): void {
  res.socket?.cork();
  res.writeHead(200, headers);
  res.end(body);
  process.nextTick(() => res.socket?.uncork());
}

function tessera(storage: SessionStorage): Handler {
  return async (req, res) => {
    const s = await storage.read(req.headers.cookie ?? null);
    s.set("count", Number(s.get("count") ?? 0) + 1);
    const setCookie = await storage.save(s);
    send(res, setCookie ? { "Set-Cookie": setCookie } : {}, String(s.get("count")));
  };
}

interface RemixStorage {
  getSession(cookie: string | null): Promise<{ get(k: string): unknown; set(k: string, v: unknown): void }>;
  commitSession(session: unknown): Promise<string>;
}

function remix(storage: RemixStorage): Handler {
  return async (req, res) => {
    const s = await storage.getSession(req.headers.cookie ?? null);
    s.set("count", Number(s.get("count") ?? 0) + 1);
    send(res, { "Set-Cookie": await storage.commitSession(s) }, String(s.get("count")));
  };
}

const plain = { secrets: [SECRET], secure: false, name: "s" };
const variants: Record<string, () => Handler> = {
  bare: () => (_req, res) => void res.end("1"),
  // The bytes of a cookie session without its work: the ceiling for any cookie session here.
  "cookie echo": () => (req, res) => {
    res.writeHead(200, { "Set-Cookie": `s=${cookieOf(req, "s") ?? "x".repeat(100)}; Path=/; HttpOnly; SameSite=Lax` });
    res.end("1");
  },

  "hand-written cookie": handCookie,
  "hand-written signed cookie": handSignedCookie,
  "hand-written map": handMap,
  "tessera cookie": () => tessera(createCookieSessionStorage({ cookie: plain })),
  "tessera signed cookie": () => tessera(createCookieSessionStorage({ cookie: { ...plain, encrypt: false } })),
  "tessera memory": () => tessera(createMemorySessionStorage({ cookie: plain })),
  "tessera/node memory": () => {
    const mw = session(createMemorySessionStorage({ cookie: plain }));
    return (req, res) =>
      mw(req, res, () => {
        const s = (req as SessionRequest).session;
        s.set("count", Number(s.get("count") ?? 0) + 1);
        res.end(String(s.get("count")));
      });
  },
  "remix cookie": () => remix(remixCookie({ cookie: { name: "s", secrets: [SECRET] } })),
  "remix memory": () => remix(remixMemory({ cookie: { name: "s", secrets: [SECRET] } })),
  "express-session": () => {
    const app = express();
    app.use(expressSession({ secret: SECRET, resave: false, saveUninitialized: false, name: "s" }));
    app.get("/", (req, res) => {
      const s = req.session as unknown as { count?: number };
      s.count = (s.count ?? 0) + 1;
      res.end(String(s.count));
    });
    return app as unknown as Handler;
  },
  "iron-session": () => async (req, res) => {
    const s = await getIronSession<{ count?: number }>(req, res, { password: SECRET, cookieName: "s", cookieOptions: { secure: false } });
    s.count = (s.count ?? 0) + 1;
    await s.save();
    send(res, {}, String(s.count));
  },
};

const name = process.argv[2]!;
const make = variants[name];
if (!make) {
  console.error(`unknown variant ${name}; one of: ${Object.keys(variants).join(", ")}`);
  process.exit(2);
}
const handler = make();
const server = createServer((req, res) => void handler(req, res));
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});

// Exit cleanly on a signal, so that --cpu-prof can write its profile.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.close(() => process.exit(0)));
