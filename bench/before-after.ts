// npm run bench:before-after -- <dir> — the session engine of this build against
// another build of tessera (a `dist/` folder, e.g. of the previous release), in
// one interleaved run: a read + set + save round trip of a ~200-byte session on
// the cookie (signed, encrypted) and on the memory store, under both workloads.
// For a redesign that must not cost speed. Not a test: it measures, it asserts nothing.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as after from "../dist/index.js";
import { interleave, machine, pairedRatio, type Candidate } from "./harness.js";
import { DESCRIBE, pick, sessionsOf, WORKLOADS } from "./workloads.js";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const dir = process.argv.slice(2).find((a) => !a.startsWith("--"));
if (!dir) {
  console.error("usage: npm run bench:before-after -- <path to another build's dist/>");
  process.exit(2);
}
const before = (await import(pathToFileURL(resolve(dir, "index.js")).href)) as typeof after;
const quick = process.argv.includes("--quick");

interface Storage {
  read(c: string | null): Promise<any>;
  save(s: any): Promise<string | null>;
}

const pair = (setCookie: string) => setCookie.slice(0, setCookie.indexOf(";"));

/** `users` signed-in sessions; each operation changes a random one and keeps its new cookie. */
async function roundTrip(storage: Storage, users: number): Promise<() => Promise<void>> {
  const cookies: string[] = [];
  for (let i = 0; i < users; i++) {
    const s = await storage.read(null);
    s.set("userId", `usr_${i.toString(36).padStart(10, "0")}`);
    s.set("csrf", randomBytes(16).toString("hex"));
    s.set("roles", ["admin", "editor"]);
    s.set("count", 1);
    cookies.push(pair((await storage.save(s))!));
  }
  return async () => {
    const i = pick(users);
    const s = await storage.read(cookies[i]!);
    s.set("count", (s.get("count") as number) + 1);
    const next = await storage.save(s);
    if (next) cookies[i] = pair(next);
  };
}

const kinds = {
  "signed cookie": (t: typeof after) => t.createCookieSessionStorage({ cookie: { secrets: [SECRET], encrypt: false } }),
  "encrypted cookie": (t: typeof after) => t.createCookieSessionStorage({ cookie: { secrets: [SECRET] } }),
  "memory store": (t: typeof after) => t.createMemorySessionStorage({ cookie: { secrets: [SECRET] } }),
};

console.log(`# Before and after: ${dir} against this build\n${new Date().toISOString().slice(0, 10)}, ${machine()}\n`);
console.log("| workload | storage | before ops/s | after ops/s | after / before |\n|---|---|---:|---:|---:|");
for (const workload of WORKLOADS) {
  for (const [kind, make] of Object.entries(kinds)) {
    const candidates: Candidate[] = [
      { name: "before", run: await roundTrip(make(before), sessionsOf(workload)) },
      { name: "after", run: await roundTrip(make(after), sessionsOf(workload)) },
    ];
    const [b, a] = await interleave(candidates, { rounds: quick ? 3 : 15, ms: quick ? 150 : 400 });
    console.log(`| ${workload} | ${kind} | ${Math.round(b!.median).toLocaleString("en-US")} | ${Math.round(a!.median).toLocaleString("en-US")} | ${pairedRatio(a!, b!).toFixed(2)}x |`);
  }
}
console.log(`\n${DESCRIBE["many users"]}.\n${DESCRIBE.hot}.`);
