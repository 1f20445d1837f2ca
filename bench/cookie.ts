// npm run bench:cookie — a cookie session round trip (read + set + save) of a
// ~200-byte session, signed and encrypted, interleaved with two floors, a
// hand-written session and Remix's createCookieSessionStorage, under two
// workloads (bench/workloads.ts): many users and hot. Not a test: it measures,
// it asserts nothing.
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, timingSafeEqual } from "node:crypto";
import { cpus } from "node:os";
import { createCookieSessionStorage as remixCookieStorage } from "@remix-run/node";
import { createCookieSessionStorage } from "../dist/index.js";
import { interleave, machine, pairedRatio, table, type Candidate, type Result } from "./harness.js";
import { DESCRIBE, pick, sessionsOf, targetTable, WORKLOADS, writeResults, type Target, type Workload } from "./workloads.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const quick = process.argv.includes("--quick");

/** The ~200-byte session of user `i`, as a signed-in app keeps it; every user's differs. */
function dataOf(i: number) {
  return {
    userId: `usr_${i.toString(36).padStart(10, "0")}`,
    name: "Ann Example",
    email: "ann@example.com",
    roles: ["admin", "editor"],
    csrf: randomBytes(16).toString("hex"),
    theme: "dark",
    locale: "en-GB",
    plan: "team",
    count: 1,
  };
}

/** The `name=value` part of a Set-Cookie: what the browser sends back. */
const pair = (setCookie: string) => setCookie.slice(0, setCookie.indexOf(";"));

interface RoundTripStorage {
  read(c: string | null): Promise<any> | any;
  save(s: any): Promise<string | null> | string | null;
}

/** `users` sessions made up front; each operation reads a random one's cookie, changes it and keeps the new cookie, as its browser would. */
async function roundTrip(storage: RoundTripStorage, users: number): Promise<() => Promise<void>> {
  const cookies: string[] = [];
  for (let i = 0; i < users; i++) {
    const first = await storage.read(null);
    for (const [k, v] of Object.entries(dataOf(i))) first.set(k, v);
    cookies.push(pair((await storage.save(first))!));
  }
  return async () => {
    const i = pick(users);
    const session = await storage.read(cookies[i]!);
    session.set("count", (session.get("count") as number) + 1);
    cookies[i] = pair((await storage.save(session))!);
  };
}

function remixStorage(): RoundTripStorage {
  const storage = remixCookieStorage({ cookie: { name: "__session", secrets: [SECRET], httpOnly: true, secure: true, sameSite: "lax" } });
  return { read: (c) => storage.getSession(c), save: (s) => storage.commitSession(s) };
}

/** tessera's payload shape, `[data, created, seen - created]`, of user `i`. */
const payloadOf = (i: number) => Buffer.from(JSON.stringify([dataOf(i), 1767225600, 0]));

/** The raw node:crypto work of a signed round trip: a MAC check of the cookie given, and a MAC of the one issued. Nothing cached. */
function signingFloor(users: number) {
  const key = randomBytes(32);
  const inputs = Array.from({ length: users }, (_, i) => Buffer.from(payloadOf(i).toString("base64url")));
  return () => {
    const input = inputs[pick(users)]!;
    createHmac("sha256", key).update(input).digest();
    createHmac("sha256", key).update(input).digest();
  };
}

/** The raw node:crypto work of an encrypted round trip: one AES-256-GCM decryption of the cookie given, one encryption under a fresh IV. Nothing cached. */
function encryptionFloor(users: number) {
  const key = randomBytes(32);
  const sealed = Array.from({ length: users }, (_, i) => {
    const payload = payloadOf(i);
    const iv = randomBytes(12);
    const e = createCipheriv("aes-256-gcm", key, iv);
    const text = Buffer.concat([e.update(payload), e.final()]);
    return { iv, text, tag: e.getAuthTag(), payload };
  });
  return () => {
    const s = sealed[pick(users)]!;
    const d = createDecipheriv("aes-256-gcm", key, s.iv);
    d.setAuthTag(s.tag);
    d.update(s.text);
    d.final();
    const e = createCipheriv("aes-256-gcm", key, randomBytes(12));
    e.update(s.payload);
    e.final();
    e.getAuthTag();
  };
}

/**
 * A minimal hand-written signed cookie session (no validation, no timeouts, no
 * rotation, no cache): what the issue calls the practical floor of any library.
 */
function handWritten(users: number) {
  const key = createSecretKey(randomBytes(32));
  const sign = (v: string) => createHmac("sha256", key).update(v).digest("base64url");
  const issue = (data: unknown) => {
    const v = Buffer.from(JSON.stringify(data)).toString("base64url");
    return `s=${v}.${sign(v)}; Path=/; HttpOnly; Secure; SameSite=Lax`;
  };
  const cookies = Array.from({ length: users }, (_, i) => pair(issue(dataOf(i))));
  return () => {
    const i = pick(users);
    const cookie = cookies[i]!;
    const raw = cookie.slice(cookie.indexOf("s=") + 2);
    const dot = raw.lastIndexOf(".");
    const v = raw.slice(0, dot);
    const mac = Buffer.from(raw.slice(dot + 1), "base64url");
    if (!timingSafeEqual(mac, Buffer.from(sign(v), "base64url"))) throw new Error("bad mac");
    const data = JSON.parse(Buffer.from(v, "base64url").toString());
    data.count++;
    cookies[i] = pair(issue(data));
  };
}

const SIGNING = "signing floor (2x HMAC-SHA-256)";
const ENCRYPTION = "encryption floor (AES-256-GCM decrypt + encrypt)";
const HAND = "hand-written signed session";
const SIGNED = "tessera signed";
const ENCRYPTED = "tessera encrypted";
const REMIX = "@remix-run/node cookie (signed)";
const tag = (name: string, w: Workload) => `${name} · ${w}`;

// Every storage is its own per workload, so that the hot one's cache never sees the many users.
const candidates: Candidate[] = [];
for (const w of WORKLOADS) {
  const n = sessionsOf(w);
  candidates.push(
    { name: tag(SIGNING, w), run: signingFloor(n) },
    { name: tag(ENCRYPTION, w), run: encryptionFloor(n) },
    { name: tag(HAND, w), run: handWritten(n) },
    { name: tag(SIGNED, w), run: await roundTrip(createCookieSessionStorage({ cookie: { secrets: [SECRET], encrypt: false } }), n) },
    { name: tag(ENCRYPTED, w), run: await roundTrip(createCookieSessionStorage({ cookie: { secrets: [SECRET] } }), n) },
    { name: tag(REMIX, w), run: await roundTrip(remixStorage(), n) },
  );
}
// One run: both workloads' candidates take turns in every round.
const all = await interleave(candidates, quick ? { rounds: 5, ms: 100 } : { rounds: 30, ms: 150 });

const of = (w: Workload) => all.filter((r) => r.name.endsWith(` · ${w}`)).map((r): Result => ({ ...r, name: r.name.slice(0, r.name.lastIndexOf(" · ")) }));
const byName = (w: Workload) => Object.fromEntries(of(w).map((r) => [r.name, r]));
const ratio = (w: Workload, a: string, b: string) => pairedRatio(byName(w)[a]!, byName(w)[b]!);

const many = (a: string, b: string) => ratio("many users", a, b);
const costSigned = many(SIGNING, SIGNED);
const costEncrypted = many(ENCRYPTION, ENCRYPTED);
const vsRemix = many(SIGNED, REMIX);
const over = (x: number, limit: number) => `${((x / limit - 1) * 100).toFixed(0)}% over the limit: tessera would need to be ${(x / limit).toFixed(2)}x as fast`;
const targets: Target[] = [
  {
    target: "signed round trip <= 1.8x two HMAC-SHA-256",
    measured: `${costSigned.toFixed(2)}x`,
    met: costSigned <= 1.8,
    note: over(costSigned, 1.8),
  },
  {
    target: "signed round trip >= 3x Remix v2's cookie storage",
    measured: `${vsRemix.toFixed(2)}x`,
    met: vsRemix >= 3,
    note: `tessera would need to be ${(3 / vsRemix).toFixed(2)}x as fast`,
  },
  {
    target: "encrypted round trip <= 1.5x one AES-256-GCM decrypt + encrypt",
    measured: `${costEncrypted.toFixed(2)}x`,
    met: costEncrypted <= 1.5,
    note: over(costEncrypted, 1.5),
  },
];

const date = new Date().toISOString().slice(0, 10);
const session = JSON.stringify(dataOf(0)).length;
console.log(`# Cookie session round trip (read + set + save), ~${session}-byte session`);
console.log(`${date}${quick ? " (quick run)" : ""}, ${machine()}, ${cpus().length} x ${cpus()[0]?.model}`);
console.log("Both workloads' candidates take turns in one interleaved run; ratios are medians of per-round ratios. " +
  "A cost ratio (\"x the floor\") is the floor's ops/s over tessera's: how many times the bare crypto tessera's round trip costs.\n");
for (const w of WORKLOADS) {
  console.log(`## ${DESCRIBE[w]}\n`);
  console.log(table(of(w), [
    { title: "vs signing floor", ratioTo: SIGNING },
    { title: "vs encryption floor", ratioTo: ENCRYPTION },
    { title: "vs hand-written", ratioTo: HAND },
    { title: "vs Remix", ratioTo: REMIX },
  ]));
  console.log(`\n${w}: signed costs ${ratio(w, SIGNING, SIGNED).toFixed(2)}x the signing floor and runs at ${ratio(w, SIGNED, REMIX).toFixed(2)}x Remix; ` +
    `encrypted costs ${ratio(w, ENCRYPTION, ENCRYPTED).toFixed(2)}x the encryption floor\n`);
}
console.log(targetTable(targets));
writeResults("cookie", { date, quick, targets, workloads: Object.fromEntries(WORKLOADS.map((w) => [w, of(w).map(({ name, median }) => ({ name, median }))])) });
