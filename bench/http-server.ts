// One server of `npm run bench:http`: node:http on 127.0.0.1, one variant per
// process. Each request reads the session, increments a counter and saves.
//   node --import tsx bench/http-server.ts <variant>    (prints the port)
// The file variants keep their sessions in a directory of their own, the Redis
// ones under a prefix of their own; both are removed when the process is told to stop.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createCookieSessionStorage as remixCookie,
  createFileSessionStorage as remixFile,
  createMemorySessionStorage as remixMemory,
} from "@remix-run/node";
import { RedisStore as ConnectRedisStore } from "connect-redis";
import express from "express";
import expressSession from "express-session";
import { getIronSession } from "iron-session";
import { createClient } from "redis";
import { createCookieSessionStorage, createMemorySessionStorage, createRevocableCookieSessionStorage, type SessionStorage } from "../dist/index.js";
import { createFileSessionStorage } from "../dist/file.js";
import { session, type SessionRequest } from "../dist/node.js";
import { createRedisSessionStorage, RedisRevocationStore } from "../dist/redis.js";

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

/** What to remove when the process stops: a variant's session directory, its Redis keys. */
const cleanups: Array<() => Promise<unknown>> = [];

/**
 * Handlers still running. Counted for the file variants only (it costs a promise
 * a request): a request waiting for a file lock goes on after its connection is
 * closed, and would write into a directory already removed.
 */
let inFlight = 0;
let countInFlight = false;

function sessionDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-http-"));
  countInFlight = true;
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A client of its own and a key prefix of its own, both dropped at exit. */
async function redisClient() {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  const prefix = `tessera-bench-http:${randomBytes(4).toString("hex")}:`;
  cleanups.push(async () => {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await client.del(keys);
    await client.quit();
  });
  return { client, prefix };
}

/** A signed id's check, for the hand-written id sessions below: the id, or undefined. */
function signedIds() {
  const key = randomBytes(32);
  const sign = (id: string) => createHmac("sha256", key).update(id).digest("base64url");
  return {
    check(raw: string | undefined): string | undefined {
      if (!raw) return undefined;
      const [v, mac] = raw.split(".");
      if (!v || !mac) return undefined;
      const a = Buffer.from(mac);
      const b = Buffer.from(sign(v));
      return a.length === b.length && timingSafeEqual(a, b) ? v : undefined;
    },
    issue(): { id: string; setCookie: string } {
      const id = randomBytes(16).toString("base64url");
      return { id, setCookie: `s=${id}.${sign(id)}; Path=/; HttpOnly; SameSite=Lax` };
    },
  };
}

/**
 * About 20 lines: a signed id, one JSON file a session. The write is atomic
 * (a temporary file renamed over), as tessera's is: a torn file would be a lost
 * session. No locks, no timeouts.
 */
function handFile(): Handler {
  const dir = sessionDir();
  const ids = signedIds();
  return async (req, res) => {
    let id = ids.check(cookieOf(req, "s"));
    let data: { count: number } | undefined;
    if (id) {
      try {
        data = JSON.parse(readFileSync(join(dir, id), "utf8"));
      } catch {}
    }
    const headers: Record<string, string> = {};
    if (!id || !data) {
      const issued = ids.issue();
      id = issued.id;
      headers["Set-Cookie"] = issued.setCookie;
      data = { count: 0 };
    }
    data.count++;
    const file = join(dir, id);
    const temp = `${file}.${randomBytes(6).toString("hex")}`;
    await writeFile(temp, JSON.stringify(data));
    await rename(temp, file);
    send(res, headers, String(data.count));
  };
}

/** About 20 lines: a signed id, the session as JSON under one Redis key: one GET and one SET a request. */
async function handRedis(): Promise<Handler> {
  const { client, prefix } = await redisClient();
  const ids = signedIds();
  return async (req, res) => {
    let id = ids.check(cookieOf(req, "s"));
    const stored = id ? await client.get(prefix + id) : null;
    let data = stored ? (JSON.parse(stored) as { count: number }) : undefined;
    const headers: Record<string, string> = {};
    if (!id || !data) {
      const issued = ids.issue();
      id = issued.id;
      headers["Set-Cookie"] = issued.setCookie;
      data = { count: 0 };
    }
    data.count++;
    await client.set(prefix + id, JSON.stringify(data), { EX: 86400 });
    send(res, headers, String(data.count));
  };
}

function expressSessionApp(store?: expressSession.Store): Handler {
  const app = express();
  app.use(expressSession({ secret: SECRET, resave: false, saveUninitialized: false, name: "s", ...(store ? { store } : {}) }));
  app.get("/", (req, res) => {
    const s = req.session as unknown as { count?: number };
    s.count = (s.count ?? 0) + 1;
    res.end(String(s.count));
  });
  return app as unknown as Handler;
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

/** As `tessera`, for a signed-in user: a new session gets a user id first (which a revocable storage stamps). */
function signedIn(storage: SessionStorage): Handler {
  return async (req, res) => {
    const s = await storage.read(req.headers.cookie ?? null);
    if (s.isNew) s.set("userId", `usr_${randomBytes(6).toString("hex")}`);
    s.set("count", Number(s.get("count") ?? 0) + 1);
    const setCookie = await storage.save(s);
    send(res, setCookie ? { "Set-Cookie": setCookie } : {}, String(s.get("count")));
  };
}

/** A revocable cookie storage over Redis, trusting an answer `checkInterval` seconds. */
async function revocable(checkInterval: number): Promise<Handler> {
  const { client, prefix } = await redisClient();
  const store = new RedisRevocationStore({ client, prefix });
  return signedIn(createRevocableCookieSessionStorage({ cookie: plain, userKey: "userId", revocation: { store, checkInterval } }));
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
const variants: Record<string, () => Handler | Promise<Handler>> = {
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
  "hand-written file": handFile,
  "tessera file": () => tessera(createFileSessionStorage({ dir: sessionDir(), cookie: plain })),
  "hand-written redis": handRedis,
  "tessera redis": async () => {
    const { client, prefix } = await redisClient();
    return tessera(createRedisSessionStorage({ client, prefix, cookie: plain }));
  },
  "tessera cookie signed-in": () => signedIn(createCookieSessionStorage({ cookie: plain })),
  "tessera revocable 10s": () => revocable(10),
  "tessera revocable 1s": () => revocable(1),
  "remix cookie": () => remix(remixCookie({ cookie: { name: "s", secrets: [SECRET] } })),
  "remix memory": () => remix(remixMemory({ cookie: { name: "s", secrets: [SECRET] } })),
  "remix file": () => remix(remixFile({ dir: sessionDir(), cookie: { name: "s", secrets: [SECRET] } })),
  "express-session": () => expressSessionApp(),
  "express-session redis": async () => {
    const { client, prefix } = await redisClient();
    return expressSessionApp(new ConnectRedisStore({ client: client as never, prefix }));
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
let handler: Handler;
try {
  handler = await make();
} catch (error) {
  // The bench skips a variant whose server could not start (Redis down), and says why.
  console.error(`${name}: ${(error as Error).message}`);
  process.exit(3);
}
/** A handler that throws (Remix's file storage reading a file another request is writing) answers 500, which the report counts. */
const failed = (res: ServerResponse) => () => {
  if (!res.headersSent) res.statusCode = 500;
  res.end();
};
const settled = () => void inFlight--;
const server = createServer((req, res) => {
  const pending = handler(req, res);
  if (!pending) return;
  if (countInFlight) {
    inFlight++;
    pending.then(settled, settled);
  }
  pending.catch(failed(res));
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});

// Exit cleanly on a signal, so that --cpu-prof can write its profile, and leave no sessions behind.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(async () => {
      for (let waited = 0; inFlight > 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      for (const clean of cleanups) await clean().catch(() => {});
      process.exit(0);
    });
  });
}
