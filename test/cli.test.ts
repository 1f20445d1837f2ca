// The `tessera` command, run as a real process against real stores.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
import { createCookie } from "../src/lib/cookie/cookie.js";
import { validateSecrets } from "../src/lib/cookie/secrets.js";
import { generateSecret } from "../src/cli/secret.js";
import type { IdSessionStorage } from "../src/lib/engine/id-storage.js";
import { SECRET_A, SECRET_B, fakeClock } from "./helpers.js";
import { keysUnder } from "./redis-clients.js";
import { DATABASE_URL, REDIS_URL, need } from "./services.js";
import { Redis } from "ioredis";

const exec = promisify(execFile);
/** Runs the command from source, so the test needs no build of the whole package. */
async function tessera(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
before(() => {
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
      [["constructor", "--help"], /^tessera: unknown command "constructor": use secret, inspect, purge or sessions\n$/],
      [["toString"], /^tessera: unknown command "toString": use secret, inspect, purge or sessions\n$/],
      [["__proto__", "--help"], /^tessera: unknown command "__proto__": use secret, inspect, purge or sessions\n$/],
    ] as const) {
      const r = await tessera(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
  });
});

describe("tessera secret", () => {
  test("prints a fresh 32-byte secret as 64 hex digits that storages accept, and how to rotate", async () => {
    const a = await tessera("secret");
    const b = await tessera("secret");
    assert.equal(a.code, 0);
    assert.match(a.stdout, /^[0-9a-f]{64}\n$/);
    assert.notEqual(a.stdout, b.stdout);
    assert.match(a.stderr, /prepend it to `secrets`/);
    createCookie("x", { secrets: [a.stdout.trim()] });
  });

  test("300,000 generated secrets: the library refuses none of them", () => {
    const refused: string[] = [];
    for (let i = 0; i < 300_000; i++) {
      const secret = generateSecret();
      try {
        validateSecrets([secret]);
      } catch {
        refused.push(secret);
      }
    }
    assert.deepEqual(refused, []);
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

describe("tessera inspect, a cookie with a path or domain of its own", () => {
  test("verifies from its whole Set-Cookie header, whose Path and Domain its keys bind; its bare pair does not", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], path: "/admin", domain: "example.com" } });
    const s = await storage.read(null);
    s.set("user", "root");
    const setCookie = (await storage.save(s))!;
    const whole = await tessera("inspect", setCookie, "--secret", SECRET_A);
    assert.equal(whole.code, 0, whole.stdout);
    assert.match(whole.stdout, /^data: \{"user":"root"\}$/m);
    const pair = await tessera("inspect", setCookie.split(";")[0]!, "--secret", SECRET_A);
    assert.equal(pair.code, 1);
  });
});

/** A password with every character that has cut a redaction short before. */
const PASSWORD = "p@ss:w%40rd";

/** `url` with PASSWORD written into it raw, for `user` (default: its own user, or Redis's "default"), and optionally another scheme. */
function withPassword(url: string, user?: string, scheme?: string): string {
  const { protocol, username, host, pathname } = new URL(url);
  return `${scheme ?? protocol}//${user ?? (username || "default")}:${PASSWORD}@${host}${pathname}`;
}

describe("tessera never prints a user name or password of a --store URL", () => {
  test("an unreachable server, for every URL scheme and command: only the host, exit 2", async () => {
    for (const [scheme, kind, path] of [
      ["redis:", "Redis", ""],
      ["rediss:", "Redis", ""],
      ["postgres:", "PostgreSQL", "/test"],
      ["postgresql:", "PostgreSQL", "/test"],
    ] as const) {
      const spec = `${scheme}//ann:${PASSWORD}@127.0.0.1:1${path}`;
      for (const args of [["purge"], ["sessions", "--user", "a"], ["sessions", "--user", "a", "--revoke"]]) {
        const r = await tessera(...args, "--store", spec);
        assert.equal(r.code, 2, `${args.join(" ")} ${scheme}`);
        assert.equal(r.stderr, `tessera: cannot reach ${kind} at ${scheme}//***@127.0.0.1:1${path}: connection refused\n`);
        assert.equal(r.stdout, "");
      }
    }
  });

  test("a server that refuses the login or the database: the CLI's own words, not the driver's", async (t) => {
    const skip = (await need("Redis")) || (await need("PostgreSQL"));
    if (skip) return t.skip(skip);
    const redis = new URL(REDIS_URL).host;
    const postgres = `${new URL(DATABASE_URL).host}${new URL(DATABASE_URL).pathname}`;
    for (const [spec, message] of [
      [withPassword(REDIS_URL, "nobody-cli-test"), `cannot reach Redis at redis://***@${redis}: authentication failed (check the user name and password)`],
      [withPassword(REDIS_URL, undefined, "rediss:"), `cannot reach Redis at rediss://***@${redis}: timed out`],
      [withPassword(DATABASE_URL, "nobody_cli_test"), `cannot reach PostgreSQL at postgres://***@${postgres}: authentication failed (check the user name and password)`],
      [`${withPassword(DATABASE_URL, undefined, "postgresql:")}_no_such_db`, `cannot reach PostgreSQL at postgresql://***@${postgres}_no_such_db: the database does not exist`],
    ] as const) {
      const r = await tessera("sessions", "--store", spec, "--user", "a");
      assert.equal(r.code, 2, spec);
      assert.equal(r.stderr, `tessera: ${message}\n`);
    }
  });

  test("a store failure in the middle of a command: named and redacted, exit 1", async (t) => {
    const skip = await need("PostgreSQL");
    if (skip) return t.skip(skip);
    const spec = withPassword(DATABASE_URL);
    const shown = `postgres://***@${new URL(DATABASE_URL).host}${new URL(DATABASE_URL).pathname}`;
    for (const [args, action] of [
      [["purge"], "purge"],
      [["sessions", "--user", "a"], "sessions"],
      [["sessions", "--user", "a", "--revoke"], "sessions --revoke"],
    ] as const) {
      const r = await tessera(...args, "--store", spec, "--table", "tessera_test_cli_missing");
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(r.stderr, `tessera: ${action} failed on PostgreSQL ${shown} (table tessera_test_cli_missing): the table does not exist (check --table)\n`);
    }
  });

  test("a URL the parser reads differently from its writer is refused before any connection", async () => {
    const encode = "percent-encode the user name and password (@ as %40, : as %3A, / as %2F, ? as %3F, # as %23)";
    for (const [spec, message] of [
      // The URL parser would connect to host "ann" port 12 and send "12" to DNS.
      ["redis://ann:12?x@127.0.0.1:1", `--store redis://***@127.0.0.1:1 has an "@" outside its user info: ${encode}`],
      ["redis://ann:a@b:12?x@127.0.0.1:1", `--store redis://***@127.0.0.1:1 has an "@" outside its user info: ${encode}`],
      ["postgres://ann:p#ss@127.0.0.1:1/test", `--store postgres://***@127.0.0.1:1/test is not a valid URL: ${encode}`],
      ["postgres://ann:p/ss@127.0.0.1:1/test", `--store postgres://***@127.0.0.1:1/test is not a valid URL: ${encode}`],
      ["redis://127.0.0.1:port", "--store redis://127.0.0.1:port is not a valid URL: expected SCHEME://HOST:PORT/PATH"],
      ["ftp://ann:pw@x", `--store "ftp://***@x" is not one of file:DIR, redis://… or postgres://…`],
      ["redis:/ann:pw@127.0.0.1", `--store "redis:***@127.0.0.1" is not one of file:DIR, redis://… or postgres://…`],
    ] as const) {
      const r = await tessera("purge", "--store", spec);
      assert.equal(r.code, 2, spec);
      assert.equal(r.stderr, `tessera: ${message}\n`);
    }
  });

  test("a password in the query string is not printed either", async () => {
    const r = await tessera("purge", "--store", "postgres://127.0.0.1:1/test?password=hunter2");
    assert.equal(r.stderr, "tessera: cannot reach PostgreSQL at postgres://127.0.0.1:1/test?***: connection refused\n");
  });

  test("nor in the query string of a URL that does not parse, or of another scheme", async () => {
    for (const [spec, shown] of [
      ["redis://127.0.0.1:99999/?password=s3cret", "--store redis://127.0.0.1:99999/?*** is not a valid URL: expected SCHEME://HOST:PORT/PATH"],
      ["postgres://db.example:99999/app?password=s3cret", "--store postgres://db.example:99999/app?*** is not a valid URL: expected SCHEME://HOST:PORT/PATH"],
      ["mysql://h/db?password=s3cret", '--store "mysql://h/db?***" is not one of file:DIR, redis://… or postgres://…'],
    ] as const) {
      const r = await tessera("purge", "--store", spec);
      assert.deepEqual([r.code, r.stderr], [2, `tessera: ${shown}\n`], spec);
    }
  });
});

describe("tessera sessions into a pipe that closes early", () => {
  test("| head: the listing stops quietly, exit 0, no stack on stderr", async () => {
    const d = mkdtempSync(join(tmpdir(), "tessera-cli-pipe-"));
    try {
      const storage = createFileSessionStorage({ dir: d, userKey: "userId", cookie: { secrets: [SECRET_A] } });
      for (let i = 0; i < 2000; i++) {
        const s = await storage.read(null);
        s.set("userId", "ann");
        await storage.save(s);
      }
      await storage.store.settled();
      const script = `"${process.execPath}" --import tsx src/cli/main.ts sessions --store "file:${d}" --user ann 2>"${d}/err"; echo "exit=$?" >"${d}/code"`;
      const { stdout } = await exec("sh", ["-c", `(${script}) | head -2`]);
      assert.equal(stdout.split("\n")[0], `2000 live sessions of "ann" in file store ${d}`);
      assert.equal(readFileSync(join(d, "err"), "utf8"), "");
      assert.equal(readFileSync(join(d, "code"), "utf8"), "exit=0\n");
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe("tessera on a store location that does not exist", () => {
  test("a missing directory or a regular file is an error naming it, for every command, and nothing is created", async () => {
    const missing = join(dir, "no", "such", "dir");
    const file = join(dir, "a-file");
    writeFileSync(file, "not a store");
    for (const [path, problem] of [
      [missing, "does not exist: create the directory, or check the --store path"],
      [file, "is not a directory"],
    ]) {
      for (const args of [["purge"], ["sessions", "--user", "a"], ["sessions", "--user", "a", "--revoke"]]) {
        const r = await tessera(...args, "--store", `file:${path}`);
        assert.equal(r.code, 2, `${args.join(" ")} ${path}`);
        assert.equal(r.stderr, `tessera: file store ${path} ${problem}\n`);
        assert.equal(r.stdout, "");
      }
    }
    assert.equal(existsSync(join(dir, "no")), false);
  });

  test("a directory the store cannot write in (here /sys, read-only even for root) is an error naming it", async () => {
    const r = await tessera("purge", "--store", "file:/sys");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^tessera: file store \/sys cannot be used: .*\/sys/);
    assert.equal(r.stdout, "");
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

/**
 * Purges, lists and revokes "ann"'s sessions; every line names the store as
 * `label`. `expired` undefined: any count (Redis's: the index members left by the sessions that expired).
 */
async function purgeAndSessions(spec: string, extra: string[], expired: number | undefined, label: string) {
  const purged = await tessera("purge", "--store", spec, ...extra);
  assert.equal(purged.code, 0, purged.stderr);
  const count = Number(/^\d+/.exec(purged.stdout)?.[0]);
  if (expired !== undefined) assert.equal(count, expired);
  // Redis expires sessions by itself: what its purge counts is the user-index members it dropped.
  const what = label.startsWith("Redis") ? `dead user-index member${count === 1 ? "" : "s"} dropped` : `expired session${count === 1 ? "" : "s"} deleted`;
  assert.equal(purged.stdout, `${count} ${what} from ${label}\n`);
  const listed = await tessera("sessions", "--store", spec, "--user", "ann", ...extra);
  assert.equal(listed.code, 0, listed.stderr);
  const lines = listed.stdout.trim().split("\n");
  assert.equal(lines[0], `2 live sessions of "ann" in ${label}`);
  assert.equal(lines.length, 3);
  const revoked = await tessera("sessions", "--store", spec, "--user", "ann", "--revoke", ...extra);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal(revoked.stdout, `2 sessions of "ann" ended in ${label}\n`);
  const after = await tessera("sessions", "--store", spec, "--user", "ann", ...extra);
  assert.equal(after.stdout, `0 live sessions of "ann" in ${label}\n`);
  for (const out of [purged, listed, revoked, after]) {
    for (const leak of ["p@ss", "ss:w", "%40", "rd@"]) assert.ok(!out.stdout.includes(leak) && !out.stderr.includes(leak), leak);
  }
}

describe("tessera purge and sessions on real stores", () => {
  const options = { cookie: { secrets: [SECRET_A] }, userKey: "userId", idleTimeout: 60, touchInterval: 10 };

  test("a file directory", async () => {
    const d = join(dir, "sessions");
    await seed((now) => createFileSessionStorage({ ...options, dir: d, now }));
    await purgeAndSessions(`file:${d}`, [], 4, `file store ${d}`);
  });

  test("the local Redis", async (t) => {
    const skip = await need("Redis");
    if (skip) return t.skip(skip);
    const prefix = `tessera-test-cli:${randomBytes(4).toString("hex")}:`;
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      await seed((now) => createRedisSessionStorage({ ...options, client, prefix, now }));
      // The default user of a Redis without a password accepts any password.
      const shown = `redis://***@${new URL(REDIS_URL).host}`;
      await purgeAndSessions(withPassword(REDIS_URL), ["--prefix", prefix], undefined, `Redis ${shown} (prefix ${prefix})`);
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
      // Trust authentication accepts any password.
      const { host, pathname } = new URL(DATABASE_URL);
      await purgeAndSessions(withPassword(DATABASE_URL), ["--table", table], 4, `PostgreSQL postgres://***@${host}${pathname} (table ${table})`);
      const other = await tessera("sessions", "--store", withPassword(DATABASE_URL, undefined, "postgresql:"), "--user", "bob", "--table", table);
      assert.equal(other.stdout, `0 live sessions of "bob" in PostgreSQL postgresql://***@${host}${pathname} (table ${table})\n`);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    }
  });
});
