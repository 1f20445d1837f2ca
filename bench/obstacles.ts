// What stands in the way of each target, as profiles and measurements showed it
// (dated; how to take them again is in docs/performance.md). The report prints
// the entry of every target its run missed, so a miss always comes with its reason.
import type { Target } from "./workloads.js";

interface Obstacle {
  /** The start of the target's text, as bench/workloads.ts users write it. */
  target: string;
  reason: string;
}

const OBSTACLES: Obstacle[] = [
  {
    target: "signed round trip <= 1.8x",
    reason:
      "CPU profile of the round trip, 10,000 users (bench/profile-cookie.ts signed, 2026-12-02): the HMACs are 29% of the time (the floor), " +
      "JSON parse and stringify of the payload 16%, the token cache 13% (before it admitted fewer tokens when few come back), garbage collection 8%. " +
      "The hand-written signed session of the cookie table, the same JSON and no checks at all, costs 1.7x-2.0x the floor by itself " +
      "(2.0x and 1.7x in the two full runs of 2026-12-02): the target leaves almost no room for what it does not do (timeouts, rotation, value checks).",
  },
  {
    target: "signed round trip >= 3x Remix",
    reason: "Met in the full runs (3.21x and 3.68x, 2026-12-02); missed only in quick runs, within their noise (2.87x-3.22x).",
  },
  {
    target: "encrypted round trip <= 1.5x",
    reason:
      "Met in the full run after the token-cache admission change (1.44x, 2026-12-02; 1.73x before it). Profile (bench/profile-cookie.ts encrypted): " +
      "AES-256-GCM in node:crypto 37% of the time, of which the per-call OpenSSL context setup of createCipheriv 19% (node:crypto cannot reuse a GCM " +
      "context across messages; the floor pays it too), JSON 15%, the token cache 10%, garbage collection 9%.",
  },
  {
    target: "memory store <= 250 B",
    reason:
      "Measured the same way (--expose-gc, 1,000,000 entries): a Map of the 43-character keys alone is 93 B a session, with the ~60-character JSON value " +
      "221 B, with an entry object of the store's shape (value, owner, lifetime, flag) 301 B; the store is that structure. " +
      "250 B needs another layout than one object per session.",
  },
  {
    target: "memory storage read p50",
    reason:
      "An absolute target, so it depends on the machine: the same code measured 8.2 us on the 2-core Xeon of the first full run of 2026-12-02 " +
      "(where the bare HTTP server made 44,320 req/s and the signing floor 187,366 ops/s; compare this report's figures for this machine's speed).",
  },
  {
    target: "file storage read",
    reason:
      "An absolute target, so it depends on the machine (and its disk): the same code measured 18.6 / 192.5 us on the 2-core Xeon of the first full " +
      "run of 2026-12-02 (bare HTTP server 44,320 req/s; compare this report's). The read is one readFile of the session's file and its parse.",
  },
  {
    target: "Redis read p50",
    reason:
      "Redis's own time per read is about 1.5x a GET's (HGETALL against GET, INFO commandstats: 4.6 against 3.0 us in a focused run, 2026-12-02; " +
      "the Redis table's last column has this run's), which is a microsecond or two; the gap is this process's CPU per read (the column before it): " +
      "tessera checks the cookie's HMAC, hashes the id (SHA-256) to its key and decodes a hash reply field by field, where connect-redis's read " +
      "parses one JSON string (the signature check is on both sides).",
  },
  {
    target: "Redis save p50",
    reason:
      "Redis's own time per save is about ten times a SET's (EVALSHA of the update script against SET, INFO commandstats: 37.5 against 3.5 us in a " +
      "focused run, 2026-12-02; the Redis table's last column has this run's). A save is a script because it may write only a session that is still " +
      "alive and not being regenerated, and only its changed fields: a blind SET of the whole session brings a logged-out session back and overwrites " +
      "a concurrent request's change. Of the script's time, the commands it runs are about 5 us: cutting them from six to three saved 3 us a call " +
      "(22.4 against 19.4 us, Redis 7.0); the rest is the cost of running a script at all. This process's CPU adds the rest (the column before).",
  },
  {
    target: "tessera cookie >= 0.9x",
    reason:
      "On the line (0.89x-0.92x across runs): the same AES-256-GCM per request as the hand-written cookie; tessera's engine (timeouts, validation, " +
      "JSON value checks) is 10% of the server's busy time in a profile of the HTTP run (BENCH_CPU_PROF, 2026-12-02).",
  },
  {
    target: "tessera signed cookie >= 0.9x",
    reason: "On the line: the server CPU per request equals the hand-written signed session's (the HTTP table's last column).",
  },
  {
    target: "tessera signed cookie >= 1.5x",
    reason:
      "By server CPU per request tessera meets it (1.53x-1.54x Remix in both full runs of 2026-12-02) and equals the hand-written signed session; " +
      "req/s shows less because autocannon runs on the same two cores and costs every variant the same per request, which pulls every throughput " +
      "ratio towards 1. What is left is node:http's own work (the bare server's CPU per request), beyond any session library's reach.",
  },
  {
    target: "tessera memory >= 0.9x",
    reason:
      "The hand-written Map keeps objects and checks one HMAC. A profile of the HTTP run (BENCH_CPU_PROF, 2026-12-02) spreads tessera's extra " +
      "CPU thin: node:crypto (the HMAC check, and the id's SHA-256: the store key, so that a leaked store holds no usable ids) " +
      "9% of the busy time, the engine 8%, the store's get and update (one JSON parse and one write of the record) 7%, garbage collection 5%.",
  },
  {
    target: "tessera memory >= 1.5x",
    reason: "By server CPU 1.36x-1.40x Remix in the full runs of 2026-12-02; what tessera spends is in the profile of the target above.",
  },
  {
    target: "tessera/node memory",
    reason: "As tessera memory; the node:http integration (tessera-session/node) costs a little more by server CPU than calling the storage by hand (the HTTP table), not profiled apart.",
  },
  {
    target: "tessera file",
    reason:
      "Profile of the file server under many users (2026-12-02): about 40% of the samples in file system calls and the store's own JavaScript 2%. " +
      "Each save takes a lock directory, writes a temporary file, sets its mtime to the expiry, renames it and drops the lock: the lock is what " +
      "keeps two processes from losing each other's updates, which the hand-written atomic write and Remix's file storage do not do.",
  },
  {
    target: "tessera redis >= 0.9x",
    reason:
      "Each save's update script costs Redis about ten times the hand-written SET (see the Redis save target, and why a save is a script), " +
      "on the same two cores as the server and the load generator; the server's own CPU per request is in the HTTP table.",
  },
];

/** The missed targets of a run, each with what stands in its way (or a plain "not profiled yet"). */
export function obstacleSection(targets: Target[]): string {
  const missed = targets.filter((t) => !t.met);
  if (missed.length === 0) return "";
  const lines = missed.map((t) => {
    const known = OBSTACLES.find((o) => t.target.startsWith(o.target));
    return `- **${t.target}** (${t.measured}${t.note ? `; ${t.note}` : ""}): ${known ? known.reason : "not profiled yet."}`;
  });
  return `## What stands in the way of the missed targets\n\n${lines.join("\n")}\n`;
}
