// The `tessera` command, run as a real process against real stores.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { createClient } from "redis";
import pg from "pg";
import { createCookieSessionStorage, createMemorySessionStorage } from "../src/index.js";
import { createFileSessionStorage } from "../src/file.js";
import { createPostgresSessionStorage } from "../src/postgres.js";
import { createRedisSessionStorage } from "../src/redis.js";
import { createCookie } from "../src/cookie/cookie.js";
import type { IdSessionStorage } from "../src/id-storage.js";
import { SECRET_A, SECRET_B, fakeClock } from "./helpers.js";
import { keysUnder } from "./redis-clients.js";
import { DATABASE_URL, REDIS_URL, need } from "./services.js";
import { Redis } from "ioredis";

const exec = promisify(execFile);
async function tessera(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ["dist/cli/main.js", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
before(() => {
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  dir = mkdtempSync(join(tmpdir(), "tessera-cli-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("tessera (no command, help, bad input)", () => {
  test("--help for the command and each subcommand", async () => {
    assert.match((await tessera("--help")).stdout, /tessera secret +print a new secret/);
    for (const sub of ["secret", "inspect", "purge", "sessions"]) {
      const r = await tessera(sub, "--help");
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^tessera ${sub}`));
    }
  });

  test("errors are one line and a non-zero exit", async () => {
    for (const [args, message] of [
      [["nope"], /^tessera: unknown command "nope": use secret, inspect, purge or sessions\n$/],
      [["purge"], /^tessera: --store is required/],
      [["purge", "--store", "ftp://x"], /^tessera: --store "ftp:\/\/x" is not one of/],
      [["sessions", "--store", `file:${dir}`], /^tessera: sessions needs --user <id>\n$/],
      [["inspect"], /^tessera: inspect needs a cookie/],
      [["inspect", "a=b"], /^tessera: inspect needs at least one --secret/],
      [["purge", "--store", "redis://127.0.0.1:1"], /^tessera: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/],
      [["purge", "--bogus"], /^tessera: purge: Unknown option '--bogus'/],
    ] as const) {
      const r = await tessera(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
  });
});

describe("tessera secret", () => {
  test("prints a fresh 32-byte secret that storages accept, and how to rotate", async () => {
    const a = await tessera("secret");
    const b = await tessera("secret");
    assert.match(a.stdout, /^[A-Za-z0-9_-]{43}\n$/);
    assert.notEqual(a.stdout, b.stdout);
    assert.match(a.stderr, /prepend it to `secrets`/);
    createCookie("x", { secrets: [a.stdout.trim()] });
  });
});

describe("tessera inspect", () => {
  test("a cookie session: verifies under the current secret, shows expiry and data, never the secret", async () => {
    for (const encrypt of [true, false]) {
      const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], maxAge: 3600, encrypt } });
      const s = await storage.read(null);
      s.set("user", "ann");
      s.flash("notice", "hi");
      const setCookie = (await storage.save(s))!;
      const r = await tessera("inspect", setCookie, "--secret", SECRET_A);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^cookie: __Host-session$/m);
      assert.match(r.stdout, /^browser expiry: Max-Age=3600 s/m);
      assert.match(r.stdout, new RegExp(`^format: ${encrypt ? "encrypted" : "signed"}`, "m"));
      assert.match(r.stdout, /^verifies: yes, with secret #1 \(current\)$/m);
      assert.match(r.stdout, /^created: \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
      assert.match(r.stdout, /^last seen: \d{4}-\d\d-\d\dT[\d:.]+Z \(idle and absolute timeouts count from these\)$/m);
      assert.match(r.stdout, /^data: \{"user":"ann"\}$/m);
      assert.match(r.stdout, /^flash \(for the next request\): \{"notice":"hi"\}$/m);
      assert.ok(!r.stdout.includes(SECRET_A) && !r.stderr.includes(SECRET_A));
    }
  });

  test("an older secret, a wrong secret, an id cookie", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_B] } });
    const s = await storage.read(null);
    s.set("a", 1);
    const pair = (await storage.save(s))!.split(";")[0]!;
    const older = await tessera("inspect", pair, "--secret", SECRET_A, "--secret", SECRET_B);
    assert.equal(older.code, 0);
    assert.match(older.stdout, /^verifies: yes, with secret #2 \(older: the next save re-issues it under the current one\)$/m);
    const wrong = await tessera("inspect", pair, "--secret", SECRET_A);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /^verifies: no, under none of the 1 secret\(s\) given$/m);
    const ids = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] } });
    const m = await ids.read(null);
    m.set("a", 1);
    const idCookie = (await ids.save(m))!;
    const id = await tessera("inspect", idCookie, "--secret", SECRET_A);
    assert.match(id.stdout, /^kind: session id \(the data lives in the store\)$/m);
    assert.ok(!id.stdout.includes(m.id), "not even the id is printed whole");
  });
});

/** Three sessions of "ann" and one of "bob" that expired an hour ago, plus two live ones of "ann". */
async function seed(make: (now: () => number) => IdSessionStorage) {
  const past = fakeClock(Date.now() - 2 * 3600_000);
  const old = make(past.now);
  for (const user of ["ann", "ann", "ann", "bob"]) {
    const s = await old.read(null);
    s.set("userId", user);
    await old.save(s);
  }
  const live = make(Date.now);
  for (let i = 0; i < 2; i++) {
    const s = await live.read(null);
    s.set("userId", "ann");
    await live.save(s);
  }
}

async function purgeAndSessions(spec: string, extra: string[], expired: number) {
  const purged = await tessera("purge", "--store", spec, ...extra);
  assert.equal(purged.code, 0, purged.stderr);
  assert.match(purged.stdout, new RegExp(`^${expired} expired sessions? deleted from `));
  const listed = await tessera("sessions", "--store", spec, "--user", "ann", ...extra);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^2 live sessions of "ann" in /);
  assert.equal(listed.stdout.trim().split("\n").length, 3);
  const revoked = await tessera("sessions", "--store", spec, "--user", "ann", "--revoke", ...extra);
  assert.match(revoked.stdout, /^2 sessions of "ann" ended in /);
  assert.match((await tessera("sessions", "--store", spec, "--user", "ann", ...extra)).stdout, /^0 live sessions of "ann"/);
}

describe("tessera purge and sessions on real stores", () => {
  const options = { cookie: { secrets: [SECRET_A] }, userKey: "userId", idleTimeout: 60, touchInterval: 10 };

  test("a file directory", async () => {
    const d = join(dir, "sessions");
    await seed((now) => createFileSessionStorage({ ...options, dir: d, now }));
    await purgeAndSessions(`file:${d}`, [], 4);
  });

  test("the local Redis", async (t) => {
    const skip = await need("Redis");
    if (skip) return t.skip(skip);
    const prefix = `tessera-test-cli:${randomBytes(4).toString("hex")}:`;
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      await seed((now) => createRedisSessionStorage({ ...options, client, prefix, now }));
      await purgeAndSessions(REDIS_URL, ["--prefix", prefix], 0);
    } finally {
      await client.quit();
      const r = new Redis(REDIS_URL);
      const keys = await keysUnder(r, prefix);
      if (keys.length) await r.del(...keys);
      r.disconnect();
    }
  });

  test("the local PostgreSQL", async (t) => {
    const skip = await need("PostgreSQL");
    if (skip) return t.skip(skip);
    const table = `tessera_test_cli_${randomBytes(4).toString("hex")}`;
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    try {
      const first = createPostgresSessionStorage({ ...options, pool, table });
      await first.store.ensureTable();
      await seed((now) => createPostgresSessionStorage({ ...options, pool, table, now }));
      await purgeAndSessions(DATABASE_URL, ["--table", table], 4);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    }
  });
});
