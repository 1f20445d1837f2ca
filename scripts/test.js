#!/usr/bin/env node
// Runs every `*.test.ts` under src/ and test/ with Node's own test runner,
// TypeScript loaded by tsx. Node 20's --test does not expand globs, so the
// files are listed here. Extra arguments narrow the run: `npm test -- cookie`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith(".test.ts") ? [join(dir, e.name)] : [],
  );
}

const filters = process.argv.slice(2);
const files = ["src", "test"]
  .flatMap(find)
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test file matches ${filters.join(" ")}`);
  process.exit(1);
}
// The Redis Cluster files (six redis-server processes each) and the Redis store tests stop servers on purpose:
// they run after the rest, one at a time, so that timing-bound failover checks do not share
// the two cores with the whole suite.
// The Next.js files build one example app (one `next build` at a time): they run alone too.
const alone = files.filter((f) => f.includes("redis-cluster") || f.endsWith("stores/redis.test.ts") || f.includes("frameworks/next"));
const together = files.filter((f) => !alone.includes(f));
let status = 0;
for (const [group, concurrency] of [[together, 2], [alone, 1]]) {
  if (group.length === 0) continue;
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-timeout=300000", ...group],
    { stdio: "inherit" },
  );
  status ||= result.status ?? 1;
}
process.exit(status);
