// A driver to profile the cookie round trip under the many-users workload
// (`memory`, `redis`: the same round trip of an id cookie over the memory store, or over
// Redis at REDIS_URL through node-redis, one request at a time):
//   npm run build && node --cpu-prof --cpu-prof-dir=scratch/prof --import tsx bench/profile-cookie.ts [signed|encrypted|memory|redis] [seconds]
//   node bench/profile-top.mjs scratch/prof/<file>.cpuprofile
// Not a test, not part of any report.
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { createCookieSessionStorage, createMemorySessionStorage } from "../dist/index.js";
import { createRedisSessionStorage } from "../dist/redis.js";
import { pick, USERS } from "./workloads.js";

const mode = ["encrypted", "memory", "redis"].includes(process.argv[2]!) ? process.argv[2]! : "signed";
const seconds = Number(process.argv[3] ?? 10);
const cookie = { secrets: ["q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk"] };
const redis = mode === "redis" ? await createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" }).connect() : undefined;
const prefix = `tessera-profile:${randomBytes(4).toString("hex")}:`;
const storage = redis
  ? createRedisSessionStorage({ client: redis, prefix, cookie })
  : mode === "memory"
    ? createMemorySessionStorage({ cookie })
    : createCookieSessionStorage({ cookie: { ...cookie, encrypt: mode === "encrypted" } });
const pair = (h: string) => h.slice(0, h.indexOf(";"));

const cookies: string[] = [];
for (let i = 0; i < USERS; i++) {
  const s = await storage.read(null);
  s.set("userId", `usr_${i.toString(36).padStart(10, "0")}`);
  s.set("name", "Ann Example");
  s.set("email", "ann@example.com");
  s.set("roles", ["admin", "editor"]);
  s.set("csrf", randomBytes(16).toString("hex"));
  s.set("theme", "dark");
  s.set("locale", "en-GB");
  s.set("plan", "team");
  s.set("count", 1);
  cookies.push(pair((await storage.save(s))!));
}
const end = Date.now() + seconds * 1000;
let n = 0;
while (Date.now() < end) {
  for (let k = 0; k < 200; k++) {
    const i = pick(USERS);
    const s = await storage.read(cookies[i]!);
    s.set("count", (s.get("count") as number) + 1);
    const header = await storage.save(s);
    if (header) cookies[i] = pair(header);
  }
  n += 200;
}
console.log(`${mode}: ${Math.round(n / seconds).toLocaleString("en-US")} round trips/s over ${USERS} users`);
if (redis) {
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
  await redis.quit();
}
