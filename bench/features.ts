// npm run bench:features — what each authentication feature costs a request when
// it is ON, beside the same encrypted cookie storage with it off, in one
// interleaved run over 10,000 distinct signed-in sessions (the many-users
// workload: most cookies were not seen lately). One operation is a request's
// session work: read the cookie, use the feature as an app would, change a
// value, save. Operations run one at a time, so a store round trip (Redis on
// loopback) is paid in full, never overlapped as a busy server would. Not a
// test: it measures, it asserts nothing.
import { createClient } from "redis";
import { z } from "zod";
import * as tessera from "../dist/index.js";
import { RedisRevocationStore } from "../dist/redis.js";
import { interleave, machine, pairedRatio, type Candidate } from "./harness.js";
import { pick, USERS } from "./workloads.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const quick = process.argv.includes("--quick");
const UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const pair = (setCookie: string) => setCookie.split("\n").map((line) => line.slice(0, line.indexOf(";"))).join("; ");

type Storage = { read(c: string | null): Promise<tessera.Session<any, any>>; save(s: tessera.Session<any, any>): Promise<string | null> };
interface Feature {
  name: string;
  storage: Storage;
  /** At sign-in, what the app does for this feature. */
  signIn?: (s: tessera.Session<any, any>) => void;
  /** On each request. */
  use?: (s: tessera.Session<any, any>) => void;
  /** Bytes of extra data each session carries (large sessions). */
  extra?: number;
}

/** `USERS` signed-in sessions; each operation is one request of a random one, which keeps its new cookie. */
async function requests(f: Feature): Promise<() => Promise<void>> {
  const cookies: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const s = await f.storage.read(null);
    s.regenerateId();
    s.set("userId", `usr_${i.toString(36).padStart(10, "0")}`);
    s.set("roles", ["admin", "editor"]);
    s.set("count", 1);
    if (f.extra) s.set("notes", "n".repeat(f.extra));
    f.signIn?.(s);
    cookies.push(pair((await f.storage.save(s))!));
  }
  return async () => {
    const i = pick(USERS);
    const s = await f.storage.read(cookies[i]!);
    if (s.isNew) throw new Error(`${f.name}: a session was refused`);
    f.use?.(s);
    s.set("count", (s.get("count") as number) + 1);
    const next = await f.storage.save(s);
    if (next) cookies[i] = pair(next);
  };
}

const redis = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
await redis.connect();
const prefix = `tessera-bench:${Date.now()}:`;
const cookie = { secrets: [SECRET] };
const base = { cookie };
const revocable = { cookie, userKey: "userId" as const };
const schema = z.object({ userId: z.string(), roles: z.array(z.string()), count: z.number(), notes: z.string().optional() });

const features: Feature[] = [
  { name: "off (baseline)", storage: tessera.createCookieSessionStorage(base) },
  { name: "step-up: requireRecentAuth per request", storage: tessera.createCookieSessionStorage(base), signIn: (s) => s.markAuthenticated({ method: "password" }), use: (s) => void tessera.requireRecentAuth(s, { maxAge: 600 }) },
  { name: "CSRF: a token per response, verified", storage: tessera.createCookieSessionStorage(base), signIn: (s) => void tessera.csrfToken(s), use: (s) => void tessera.verifyCsrfToken(s, tessera.csrfToken(s)) },
  { name: "schema (zod 4) on every read", storage: tessera.createCookieSessionStorage({ ...base, schema }) },
  { name: "device recorded at sign-in", storage: tessera.createCookieSessionStorage(base), signIn: (s) => void tessera.recordDevice(s, { userAgent: UA }) },
  { name: "maxChunks: 2, the session fits one cookie", storage: tessera.createCookieSessionStorage({ ...base, maxChunks: 2 }) },
  { name: "off, a 2.5 KB session (one cookie)", storage: tessera.createCookieSessionStorage(base), extra: 2500 },
  { name: "maxChunks: 2, a 4 KB session (two cookies)", storage: tessera.createCookieSessionStorage({ ...base, maxChunks: 2 }), extra: 4000 },
  // checkInterval 3600: after the warm-up every session's answers are heard (each seen within the interval).
  { name: "revocation, memory store, answers heard", storage: tessera.createRevocableCookieSessionStorage({ ...revocable, revocation: { store: new tessera.MemoryRevocationStore(), checkInterval: 3600 } }) },
  { name: "revocation, Redis store, answers heard", storage: tessera.createRevocableCookieSessionStorage({ ...revocable, revocation: { store: new RedisRevocationStore({ client: redis, prefix }), checkInterval: 3600 } }) },
  // checkInterval 1: 10,000 sessions are each seen less often than that, so every request asks Redis.
  { name: "revocation, Redis store, every request asks", storage: tessera.createRevocableCookieSessionStorage({ ...revocable, revocation: { store: new RedisRevocationStore({ client: redis, prefix }), checkInterval: 1 } }) },
];

console.log(`# What each authentication feature costs when on\n${new Date().toISOString().slice(0, 10)}, ${machine()}\n`);
console.log(`Encrypted cookie storage, ${USERS.toLocaleString("en-US")} distinct signed-in sessions; one operation = read + the feature's use + a change + save.\n`);
const candidates: Candidate[] = [];
for (const f of features) candidates.push({ name: f.name, run: await requests(f) });
const results = await interleave(candidates, { rounds: quick ? 3 : 9, ms: quick ? 200 : 500 });
const baseline = results[0]!;
console.log("| feature (on) | ops/s | against off |\n|---|---:|---:|");
for (const r of results) console.log(`| ${r.name} | ${Math.round(r.median).toLocaleString("en-US")} | ${pairedRatio(r, baseline).toFixed(2)}x |`);
for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
await redis.quit();
