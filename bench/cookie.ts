// npm run bench:cookie — a cookie session round trip (read + set + save) of a
// ~200-byte session, signed and encrypted, interleaved with two floors and
// Remix's createCookieSessionStorage. Not a test: it measures, it asserts nothing.
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, timingSafeEqual } from "node:crypto";
import { cpus } from "node:os";
import { createCookieSessionStorage as remixCookieStorage } from "@remix-run/node";
import { createCookieSessionStorage } from "../dist/index.js";
import { interleave, machine, pairedRatio, table } from "./harness.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const quick = process.argv.includes("--quick");

/** A ~200-byte session, as a signed-in app keeps it. */
const DATA = {
  userId: "usr_01J9ZK3M4QX7",
  name: "Ann Example",
  email: "ann@example.com",
  roles: ["admin", "editor"],
  csrf: "3b8f6a1c9e2d4f7a8b0c1d2e3f4a5b6c",
  theme: "dark",
  locale: "en-GB",
  plan: "team",
  count: 1,
};

/** The `name=value` part of a Set-Cookie: what the browser sends back. */
const pair = (setCookie: string) => setCookie.slice(0, setCookie.indexOf(";"));

async function roundTrip(storage: { read(c: string | null): Promise<any>; save(s: any): Promise<string | null> }) {
  const first = await storage.read(null);
  for (const [k, v] of Object.entries(DATA)) first.set(k, v);
  let cookie = pair((await storage.save(first))!);
  return async () => {
    const session = await storage.read(cookie);
    session.set("count", (session.get("count") as number) + 1);
    cookie = pair((await storage.save(session))!);
  };
}

async function remixRoundTrip() {
  const storage = remixCookieStorage({ cookie: { name: "__session", secrets: [SECRET], httpOnly: true, secure: true, sameSite: "lax" } });
  const first = await storage.getSession(null);
  for (const [k, v] of Object.entries(DATA)) first.set(k, v);
  let cookie = pair(await storage.commitSession(first));
  return async () => {
    const session = await storage.getSession(cookie);
    session.set("count", (session.get("count") as number) + 1);
    cookie = pair(await storage.commitSession(session));
  };
}

const payload = Buffer.from(JSON.stringify([DATA, 1767225600, 0])); // tessera's payload shape
const signedBytes = Buffer.from(payload.toString("base64url"));
const hmacKey = randomBytes(32);
const aesKey = randomBytes(32);

function signingFloor() {
  createHmac("sha256", hmacKey).update(signedBytes).digest();
  createHmac("sha256", hmacKey).update(signedBytes).digest();
}

const iv = randomBytes(12);
const enc = createCipheriv("aes-256-gcm", aesKey, iv);
const sealed = Buffer.concat([enc.update(payload), enc.final()]);
const tag = enc.getAuthTag();
function encryptionFloor() {
  const d = createDecipheriv("aes-256-gcm", aesKey, iv);
  d.setAuthTag(tag);
  d.update(sealed);
  d.final();
  const e = createCipheriv("aes-256-gcm", aesKey, randomBytes(12));
  e.update(payload);
  e.final();
  e.getAuthTag();
}

/**
 * A minimal hand-written signed cookie session (no validation, no timeouts, no
 * rotation): what the issue calls the practical floor of any library.
 */
function handWritten() {
  const key = createSecretKey(randomBytes(32));
  const sign = (v: string) => createHmac("sha256", key).update(v).digest("base64url");
  const issue = (data: unknown) => {
    const v = Buffer.from(JSON.stringify(data)).toString("base64url");
    return `s=${v}.${sign(v)}; Path=/; HttpOnly; Secure; SameSite=Lax`;
  };
  let cookie = pair(issue(DATA));
  return () => {
    const raw = cookie.slice(cookie.indexOf("s=") + 2);
    const dot = raw.lastIndexOf(".");
    const v = raw.slice(0, dot);
    const mac = Buffer.from(raw.slice(dot + 1), "base64url");
    if (!timingSafeEqual(mac, Buffer.from(sign(v), "base64url"))) throw new Error("bad mac");
    const data = JSON.parse(Buffer.from(v, "base64url").toString());
    data.count++;
    cookie = pair(issue(data));
  };
}

const signed = createCookieSessionStorage({ cookie: { secrets: [SECRET], encrypt: false } });
const encrypted = createCookieSessionStorage({ cookie: { secrets: [SECRET] } });

const results = await interleave(
  [
    { name: "signing floor (2x HMAC-SHA-256)", run: signingFloor },
    { name: "encryption floor (AES-256-GCM decrypt + encrypt)", run: encryptionFloor },
    { name: "hand-written signed session", run: handWritten() },
    { name: "tessera signed", run: await roundTrip(signed) },
    { name: "tessera encrypted", run: await roundTrip(encrypted) },
    { name: "@remix-run/node cookie (signed)", run: await remixRoundTrip() },
  ],
  quick ? { rounds: 5, ms: 100 } : { rounds: 40, ms: 150 },
);

const byName = Object.fromEntries(results.map((r) => [r.name, r]));
const ratio = (a: string, b: string) => pairedRatio(byName[a]!, byName[b]!).toFixed(2);
console.log(`# Cookie session round trip (read + set + save), ~${JSON.stringify(DATA).length}-byte session`);
console.log("Ratios are medians of per-round ratios (each round runs every candidate once, moments apart).");
console.log(`${new Date().toISOString().slice(0, 10)}, ${machine()}, ${cpus().length} x ${cpus()[0]?.model}\n`);
console.log(table(results, [
  { title: "vs signing floor", ratioTo: "signing floor (2x HMAC-SHA-256)" },
  { title: "vs encryption floor", ratioTo: "encryption floor (AES-256-GCM decrypt + encrypt)" },
  { title: "vs hand-written", ratioTo: "hand-written signed session" },
  { title: "vs Remix", ratioTo: "@remix-run/node cookie (signed)" },
]));
console.log(`\nsigned: the floor is ${ratio("signing floor (2x HMAC-SHA-256)", "tessera signed")}x faster (target <= 2.5); ` +
  `tessera is ${ratio("tessera signed", "@remix-run/node cookie (signed)")}x Remix (target >= 3)`);
console.log(`encrypted: the floor is ${ratio("encryption floor (AES-256-GCM decrypt + encrypt)", "tessera encrypted")}x faster (target <= 2.5)`);
