import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SECRET_A, cookiePair, fakeClock } from "../../../test/helpers.js";
import { incrementFromTwoProcesses } from "../../../test/cross-process.js";
import { SessionConfigError, SessionStoreError } from "../errors.js";
import { createFileSessionStorage } from "../../file.js";
import { FileStore } from "./file.js";
import { withFileLock } from "./file-lock.js";
import type { SessionPatch, SessionRecord } from "./store.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tessera-file-"));
});
after(() => rm(dir, { recursive: true, force: true }));

let dirs = 0;
/** A fresh directory under the test's temp dir (not created). */
function sub(name: string) {
  return join(dir, `${name}-${dirs++}`);
}

const HOUR = 3_600_000;
const T = Date.UTC(2026, 0, 1);
const newKey = () => randomBytes(32).toString("base64url");
const hexOf = (key: string) => Buffer.from(key, "base64url").toString("hex");
const sessionFile = (d: string, key: string) => join(d, hexOf(key).slice(0, 2), `${hexOf(key)}.json`);
const rec = (over: Partial<SessionRecord> = {}): SessionRecord => ({ data: { v: 1 }, createdAt: T, lastSeenAt: T, expiresAt: T + HOUR, ...over });
const patch = (over: Partial<SessionPatch> = {}): SessionPatch => ({ clear: false, set: {}, unset: [], lastSeenAt: T, expiresAt: T + HOUR, ...over });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` with stores on one fresh directory, waiting for their clean-ups before returning. */
async function withStores<R>(name: string, n: number, fn: (stores: FileStore[], d: string) => Promise<R>): Promise<R> {
  const d = sub(name);
  const stores = Array.from({ length: n }, () => new FileStore({ dir: d }));
  try {
    return await fn(stores, d);
  } finally {
    for (const s of stores) await s.settled();
  }
}
const withStore = <R>(name: string, fn: (store: FileStore, d: string) => Promise<R>) => withStores(name, 1, ([s], d) => fn(s!, d));

/** A store on a fresh directory holding one session, and the path of that session's lock. */
async function oneSession(name: string, lockTimeout: number): Promise<{ store: FileStore; key: string; lock: string }> {
  const d = sub(name);
  const store = new FileStore({ dir: d, lockTimeout });
  const key = newKey();
  await store.create(key, rec());
  return { store, key, lock: join(d, hexOf(key).slice(0, 2), `${hexOf(key)}.lock`) };
}

/** Every path under `d`, relative, sorted ([] when `d` is missing). */
async function tree(d: string): Promise<string[]> {
  try {
    return (await readdir(d, { recursive: true })).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

describe("file store", () => {
  test("session files are 0600 in 0700 shard directories, named by a hash, never by the id", async () => {
    const d = sub("modes");
    const storage = createFileSessionStorage({ dir: d, cookie: { secrets: [SECRET_A] } });
    const s = await storage.read(null);
    s.set("a", 1);
    await storage.save(s);
    const [shard] = (await readdir(d)).filter((n) => /^[0-9a-f]{2}$/.test(n));
    assert.equal((await stat(d)).mode & 0o777, 0o700);
    assert.equal((await stat(join(d, shard!))).mode & 0o777, 0o700);
    const [file] = await readdir(join(d, shard!));
    assert.match(file!, /^[0-9a-f]{64}\.json$/);
    assert.ok(!file!.includes(s.id));
    assert.equal((await stat(join(d, shard!, file!))).mode & 0o777, 0o600);
  });

  test("sessions spread over at most 256 shard directories", async () => {
    const d = sub("shards");
    const storage = createFileSessionStorage({ dir: d, cookie: { secrets: [SECRET_A] } });
    for (let i = 0; i < 600; i++) {
      const s = await storage.read(null);
      s.set("i", i);
      await storage.save(s);
    }
    const shards = await readdir(d);
    assert.ok(shards.length <= 256 && shards.length > 100, `${shards.length} shards`);
    assert.ok(shards.every((s) => /^[0-9a-f]{2}$/.test(s)));
  });

  test("hostile keys are refused before any fs call", async () => {
    await withStore("hostile", async (store, d) => {
      // The last: a digest's key with its unused trailing bits set, which would name the same file.
      for (const key of ["../x", "..%2f", "a".repeat(42) + "/", "\u0000".repeat(43), "A".repeat(44), "*", `${newKey().slice(0, 42)}B`]) {
        await assert.rejects(store.get(key, 0), SessionStoreError);
        await assert.rejects(store.update(key, patch(), 0), SessionStoreError);
        await assert.rejects(store.replace(key, newKey(), rec(), 0), SessionStoreError);
        await assert.rejects(store.replace(newKey(), key, rec(), 0), SessionStoreError);
        await assert.rejects(store.delete(key), SessionStoreError);
      }
      assert.deepEqual(await tree(d), [], "nothing was created");
    });
  });

  test("an expired file reads as absent, is removed lazily, and purge() removes the rest", async () => {
    const d = sub("purge");
    const clock = fakeClock(Date.now());
    const storage = createFileSessionStorage({ dir: d, cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: 60, touchInterval: 10 });
    const cookies = [];
    for (let i = 0; i < 5; i++) {
      const s = await storage.read(null);
      s.set("i", i);
      cookies.push(cookiePair(await storage.save(s)));
    }
    const shard = (await readdir(d))[0]!;
    await writeFile(join(d, shard, ".leftover.tmp"), "torn");
    await utimes(join(d, shard, ".leftover.tmp"), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    const count = async () => (await tree(d)).filter((f) => f.endsWith(".json")).length;
    assert.equal(await count(), 5);
    clock.advance(61);
    assert.equal((await storage.read(cookies[0]!)).isNew, true);
    await storage.store.settled();
    assert.equal(await count(), 4, "the expired file read was removed");
    assert.equal(await storage.purge(), 4);
    const left = (await tree(d)).filter((p) => !p.startsWith(".lock."));
    assert.ok(left.every((p) => /^[0-9a-f]{2}$/.test(p)), `only empty shard directories (and spare lock directories) are left: ${left}`);
  });

  test("purge() removes only its own abandoned files at the top of the directory, never another program's *.tmp", async () => {
    await withStore("purge-foreign", async (store, d) => {
      const old = new Date(Date.now() - 120_000);
      for (const name of ["report.tmp", "upload-1234.tmp", ".probe.abc123.tmp"]) {
        await writeFile(join(d, name), "x");
        await utimes(join(d, name), old, old);
      }
      await store.purge(Date.now());
      assert.deepEqual((await readdir(d)).filter((n) => n.endsWith(".tmp")).sort(), ["report.tmp", "upload-1234.tmp"]);
    });
  });

  test("purge() leaves a temporary file another process is writing right now", async () => {
    await withStore("purge-tmp", async (store, d) => {
      await mkdir(join(d, "ab"), { recursive: true });
      await writeFile(join(d, "ab", ".inflight.tmp"), "half");
      // A clock ahead of the file system's (a test's fake clock, a skewed host) must not make it look old.
      assert.equal(await store.purge(Date.now() + 10 * HOUR), 0);
      assert.deepEqual(await tree(join(d, "ab")), [".inflight.tmp"]);
    });
  });

  test("purge() removes, once left a while, the temporary file of a writer killed after it gave the file its expiry as mtime", async (t) => {
    await withStore("purge-killed-writer", async (store, d) => {
      await mkdir(join(d, "ab"), { recursive: true });
      const name = `.${"ab".repeat(32)}.0123456789ab.tmp`;
      await writeFile(join(d, "ab", name), '{"d":{}}');
      // What the writer does last before its rename: the mtime is the session's expiry, days ahead.
      const expiry = new Date(Date.now() + 14 * 24 * HOUR);
      await utimes(join(d, "ab", name), expiry, expiry);
      await store.purge(Date.now());
      assert.deepEqual(await tree(join(d, "ab")), [name], "just written: it may be renamed yet");
      t.mock.timers.enable({ apis: ["Date"], now: Date.now() + 2 * 60_000 });
      await store.purge(Date.now());
      assert.deepEqual(await tree(join(d, "ab")), []);
    });
  });

  test("two processes incrementing different keys of one session lose nothing", async () => {
    const d = sub("processes");
    const storage = createFileSessionStorage({ dir: d, cookie: { secrets: [SECRET_A], name: "sid" } });
    await incrementFromTwoProcesses(storage, "file", d, "-", 150);
  });

  test("the seed's createFileSessionStorage code runs with the import changed", async () => {
    const sessionStorage = createFileSessionStorage({
      dir: sub("seed"),
      cookie: { name: "__session", maxAge: 86400, httpOnly: true, secure: process.env.NODE_ENV === "production", sameSite: "lax", secrets: [SECRET_A] },
    });
    async function action(request: Request) {
      const session = await sessionStorage.getSession(request.headers.get("Cookie"));
      session.set("userId", "user123");
      return new Response(null, { status: 302, headers: { Location: "/dashboard", "Set-Cookie": await sessionStorage.commitSession(session) } });
    }
    async function loader(request: Request) {
      const session = await sessionStorage.getSession(request.headers.get("Cookie"));
      return Response.json({ userId: session.get("userId") ?? null });
    }
    const res = await action(new Request("http://x/login", { method: "POST" }));
    const setCookie = res.headers.get("Set-Cookie")!;
    assert.match(setCookie, /^__session=S1\.[^;]+; Max-Age=86400; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
    const data = await (await loader(new Request("http://x/", { headers: { Cookie: cookiePair(setCookie) } }))).json();
    assert.deepEqual(data, { userId: "user123" });
    const out = await sessionStorage.destroySession(await sessionStorage.getSession(cookiePair(setCookie)));
    assert.match(out, /^__session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/);
    assert.deepEqual(await (await loader(new Request("http://x/", { headers: { Cookie: cookiePair(setCookie) } }))).json(), { userId: null });
  });
});

describe("file store: a directory emptied under a running store", () => {
  test("after rm -rf dir/* (everyone logged out by hand), the running storage makes new sessions in every shard again", async () => {
    const d = sub("emptied");
    const storage = createFileSessionStorage({ dir: d, cookie: { secrets: [SECRET_A], name: "sid" } });
    const signIn = async (n: number) => {
      const s = await storage.read(null);
      s.set("n", n);
      return cookiePair(await storage.save(s));
    };
    const before = [];
    for (let i = 0; i < 300; i++) before.push(await signIn(i)); // 300 sessions: every one of the 256 shards made, most likely
    for (const name of await readdir(d)) await rm(join(d, name), { recursive: true, force: true });
    for (const cookie of before.slice(0, 5)) assert.equal((await storage.read(cookie)).isNew, true);
    const after = [];
    for (let i = 0; i < 100; i++) after.push(await signIn(i));
    for (const [i, cookie] of after.entries()) assert.equal((await storage.read(cookie)).get("n"), i);
    await storage.store.settled();
  });
});

describe("file store: every time it needs is in the file, never in its access time", () => {
  test("a touch moves lastSeenAt and expiresAt; the record reads back with them", async () => {
    await withStore("touch", async (store) => {
      const key = newKey();
      await store.create(key, rec({ userId: "U" }));
      assert.equal(await store.touch(key, T + 60_000, T + 60_000 + HOUR, T + 60_000, "U"), true);
      assert.deepEqual(await store.get(key, T + 61_000), rec({ userId: "U", lastSeenAt: T + 60_000, expiresAt: T + 60_000 + HOUR }));
      assert.equal(await store.get(key, T + 60_000 + HOUR), null, "absent from the new expiry on");
      assert.equal(await store.touch(key, T + 2 * HOUR, T + 3 * HOUR, T + 2 * HOUR), false, "an expired record is not brought back");
    });
  });

  test("an outside read that moves the file's atime (backup, grep -r on relatime) changes nothing the store returns", async () => {
    await withStore("atime", async (store, d) => {
      const key = newKey();
      await store.create(key, rec());
      await store.touch(key, T + 60_000, T + 60_000 + HOUR, T + 60_000);
      const file = sessionFile(d, key);
      const { mtime } = await stat(file);
      await utimes(file, new Date(T + 50 * 60_000), mtime);
      const expected = rec({ lastSeenAt: T + 60_000, expiresAt: T + 60_000 + HOUR });
      assert.deepEqual(await store.get(key, T + 61_000), expected);
      assert.deepEqual(await new FileStore({ dir: d, syncReads: false }).get(key, T + 61_000), expected);
    });
  });

  test("after an outside read, an active user still gets the sliding refresh", async () => {
    const d = sub("slide");
    const clock = fakeClock(T);
    const storage = createFileSessionStorage({ dir: d, cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: 600, touchInterval: 60 });
    const s = await storage.read(null);
    s.set("a", 1);
    const cookie = cookiePair(await storage.save(s));
    const [shard] = await readdir(d);
    const [name] = await readdir(join(d, shard!));
    const file = join(d, shard!, name!);
    clock.advance(300);
    await utimes(file, new Date(clock.now()), (await stat(file)).mtime);
    await storage.save(await storage.read(cookie));
    clock.advance(400);
    assert.equal((await storage.read(cookie)).get("a"), 1, "the request at 300 s slid the expiry to 900 s");
  });
});

describe("file store: replace", () => {
  test("replace puts the record under the new key and removes the old one and its index membership", async () => {
    await withStore("replace", async (store, d) => {
      const [oldKey, key] = [newKey(), newKey()];
      await store.create(oldKey, rec({ userId: "U", data: { cart: 1 } }));
      const next = rec({ userId: "W", data: { cart: 1, userId: "W" }, createdAt: T + 1000, lastSeenAt: T + 1000, expiresAt: T + 2 * HOUR, maxAge: 600 });
      assert.equal(await store.replace(oldKey, key, next, T + 1000), true);
      assert.equal(await store.get(oldKey, T + 1000), null);
      assert.equal(existsSync(sessionFile(d, oldKey)), false);
      assert.deepEqual(await store.get(key, T + 1000), next);
      assert.deepEqual(await store.listByUser("U", T + 1000), []);
      assert.deepEqual(await store.listByUser("W", T + 1000), [{ key, record: next }]);
    });
  });

  test("replace of an absent, deleted or expired old key returns false and creates nothing", async () => {
    await withStore("replace-gone", async (store, d) => {
      const [deleted, expired] = [newKey(), newKey()];
      await store.create(deleted, rec({ userId: "U" }));
      await store.delete(deleted);
      await store.create(expired, rec({ userId: "U", expiresAt: T + 1000 }));
      const before = await tree(d);
      for (const oldKey of [newKey(), deleted, expired]) {
        const key = newKey();
        assert.equal(await store.replace(oldKey, key, rec({ userId: "U" }), T + 1000), false);
        assert.equal(await store.get(key, T + 1000), null);
      }
      assert.deepEqual(await store.listByUser("U", T + 1000), []);
      await store.settled();
      assert.deepEqual(
        (await tree(d)).filter((p) => !before.includes(p) && !/^[0-9a-f]{2}$/.test(p) && !p.startsWith(".lock.")),
        [],
        "no file, lock or index member was left behind",
      );
    });
  });

  test("a replace whose new record cannot be stored throws and leaves the old record untouched", async () => {
    await withStore("replace-fails", async (store, d) => {
      const oldKey = newKey();
      const old = rec({ userId: "U", data: { cart: 1 } });
      await store.create(oldKey, old);
      const unserializable = newKey();
      await assert.rejects(store.replace(oldKey, unserializable, rec({ userId: "U", data: { n: 1n } }), T), TypeError);
      // The new key's shard directory cannot be made: a regular file holds its name.
      let blocked = newKey();
      while (existsSync(join(d, hexOf(blocked).slice(0, 2)))) blocked = newKey();
      await writeFile(join(d, hexOf(blocked).slice(0, 2)), "in the way");
      await assert.rejects(store.replace(oldKey, blocked, rec({ userId: "U" }), T), /ENOTDIR|EEXIST/);
      for (const key of [unserializable, blocked]) assert.equal(await store.get(key, T), null);
      assert.deepEqual(await store.get(oldKey, T), old);
      assert.deepEqual(await store.listByUser("U", T), [{ key: oldKey, record: old }]);
      assert.equal(await store.update(oldKey, patch({ set: { more: 2 } }), T), true, "and it still takes updates");
    });
  });

  test("a delete of the old key racing a replace never leaves the new record alive after the old was deleted", async () => {
    await withStores("replace-delete", 2, async ([a, b]) => {
      const outcomes = new Set<boolean>();
      for (let i = 0; i < 40; i++) {
        const [oldKey, key] = [newKey(), newKey()];
        await a!.create(oldKey, rec({ userId: "U" }));
        const [replaced] = await Promise.all([a!.replace(oldKey, key, rec({ userId: "U", data: { i } }), T), b!.delete(oldKey)]);
        outcomes.add(replaced);
        assert.equal(await a!.get(oldKey, T), null);
        assert.deepEqual(await a!.get(key, T), replaced ? rec({ userId: "U", data: { i } }) : null, `round ${i}`);
        await a!.delete(key);
      }
      assert.deepEqual(await a!.listByUser("U", T), []);
    });
  });

  test("a deleteByUser racing a replace leaves neither the old nor the new record alive", async () => {
    await withStores("replace-delete-user", 2, async ([a, b]) => {
      // A large new record keeps the move in flight long enough for the listing to land inside it.
      const big = { blob: "x".repeat(256 * 1024) };
      for (let i = 0; i < 60; i++) {
        const [oldKey, key] = [newKey(), newKey()];
        await a!.create(oldKey, rec({ userId: "U" }));
        const [, n] = await Promise.all([
          a!.replace(oldKey, key, rec({ userId: "U", data: big }), T),
          sleep(i % 4).then(() => b!.deleteByUser("U", undefined, T)),
        ]);
        assert.equal(n, 1, `round ${i}: one live session was deleted`);
        assert.equal(await a!.get(oldKey, T), null, `round ${i}: old`);
        assert.equal(await a!.get(key, T), null, `round ${i}: new`);
      }
    });
  });
});

describe("file store: maxAge, restore and touch's owner hint", () => {
  test("maxAge is stored with the record, changed by a patch, and listed", async () => {
    await withStore("max-age", async (store) => {
      const key = newKey();
      await store.create(key, rec({ userId: "U", maxAge: 600 }));
      assert.deepEqual(await store.get(key, T), rec({ userId: "U", maxAge: 600 }));
      await store.update(key, patch({ maxAge: 7 }), T);
      assert.equal((await store.get(key, T))!.maxAge, 7);
      await store.update(key, patch({ set: { a: 1 } }), T);
      assert.equal((await store.get(key, T))!.maxAge, 7, "an update without maxAge leaves it");
      await store.touch(key, T + 1, T + HOUR, T, "U");
      assert.deepEqual((await store.listByUser("U", T)).map((r) => r.record.maxAge), [7]);
      await store.update(key, patch({ maxAge: null }), T);
      assert.deepEqual(await store.get(key, T), rec({ userId: "U", data: { v: 1, a: 1 } }));
    });
  });

  test("restore puts back only the keys absent after unset, and a value set by the patch wins", async () => {
    await withStore("restore", async (store) => {
      const key = newKey();
      await store.create(key, rec({ data: { kept: 1, __flash_a__: "mine" } }));
      assert.deepEqual(await store.take(key, ["__flash_a__"], T), { __flash_a__: "mine" });
      await store.update(key, patch({ unset: ["kept"], set: { __flash_b__: "set" }, restore: { __flash_a__: "back", __flash_b__: "restored", kept: "r" } }), T);
      assert.deepEqual((await store.get(key, T))!.data, { __flash_a__: "back", __flash_b__: "set", kept: "r" });
      await store.update(key, patch({ set: { __flash_a__: "newer" } }), T);
      await store.update(key, patch({ restore: { __flash_a__: "stale" } }), T);
      assert.equal((await store.get(key, T))!.data.__flash_a__, "newer", "a value another request set meanwhile wins");
    });
  });
});

describe("file store: locks", () => {
  test("locks left by killed processes are taken over, and two stores racing for them lose no update", async () => {
    await withStores("killed", 2, async ([a, b], d) => {
      const keys = [newKey(), newKey(), newKey()];
      for (const key of keys) await a!.create(key, rec());
      const holders = keys.map((key) =>
        spawn(process.execPath, ["--import", "tsx", "test/fixtures/lock-holder.ts", d, key, String(T)], { stdio: ["ignore", "pipe", "inherit"] }),
      );
      await Promise.all(holders.map((child) => once(child.stdout!, "data")));
      for (const child of holders) child.kill("SIGKILL");
      await Promise.all(holders.map((child) => once(child, "exit")));
      const n = 30;
      await Promise.all(
        keys.flatMap((key) =>
          Array.from({ length: n }, (_, i) => [
            a!.update(key, patch({ set: { [`a${i}`]: i } }), T),
            b!.update(key, patch({ set: { [`b${i}`]: i } }), T),
          ]).flat(),
        ),
      );
      for (const key of keys) {
        const data = (await a!.get(key, T))!.data;
        const lost = Array.from({ length: n }, (_, i) => [`a${i}`, `b${i}`]).flat().filter((k) => data[k] === undefined);
        assert.deepEqual(lost, [], "no update was lost");
        assert.equal(data.held, undefined, "the killed process wrote nothing");
      }
    });
  });

  test("a fresh lock from another host is waited for whatever its pid says, and taken over once older than its lease", async () => {
    const { store, key, lock } = await oneSession("foreign", 300);
    const holder = join(lock, `${"f".repeat(16)}.4194303.${"0".repeat(16)}`);
    await mkdir(holder, { recursive: true });
    await assert.rejects(store.update(key, patch({ set: { a: 1 } }), T), (e: unknown) => e instanceof SessionStoreError && /timed out/.test(e.message));
    const past = new Date(Date.now() - 11_000);
    await utimes(holder, past, past);
    assert.equal(await store.update(key, patch({ set: { a: 1 } }), T), true);
    assert.equal((await store.get(key, T))!.data.a, 1);
    await store.settled();
  });

  test("a holder working longer than its lease keeps its lock: no other holder meanwhile", async () => {
    const d = sub("lease");
    await mkdir(d);
    const path = join(d, "k.lock");
    const events: string[] = [];
    const options = { timeout: 5000, lease: 400, spares: d };
    let entered!: () => void;
    const firstIn = new Promise<void>((resolve) => (entered = resolve));
    const first = withFileLock(path, options, async (lease) => {
      events.push("first in");
      entered();
      // Twice the lease: without renewals the second would take the lock over halfway through.
      await sleep(800);
      lease.check();
      events.push("first out");
    });
    await firstIn;
    const second = withFileLock(path, options, async () => {
      events.push("second in");
    });
    await Promise.all([first, second]);
    assert.deepEqual(events, ["first in", "first out", "second in"]);
    assert.deepEqual((await tree(d)).filter((p) => !p.startsWith(".lock.")), [], "no lock is left, only spare lock directories");
  });

  test("a holder that stalled past its lease may no longer write", async () => {
    const d = sub("stalled");
    await mkdir(d);
    await assert.rejects(
      withFileLock(join(d, "k.lock"), { timeout: 5000, lease: 400, spares: d }, async (lease) => {
        const until = Date.now() + 500;
        while (Date.now() < until);
        lease.check();
      }),
      (e: unknown) => e instanceof SessionStoreError && /lost its lock/.test(e.message),
    );
  });
});

describe("file store: user index", () => {
  const members = async (d: string) => (await tree(join(d, "users"))).filter((p) => /\/[0-9a-f]{64}\/[0-9a-f]{64}$/.test(p));

  test("500 logins that expired leave, after purge(), no index member and no index directory", async () => {
    await withStore("index-purge", async (store, d) => {
      for (let i = 0; i < 500; i++) await store.create(newKey(), rec({ userId: `user${i % 50}`, expiresAt: T + 1000 + i }));
      assert.equal((await members(d)).length, 500);
      assert.equal(await store.purge(T + 2000), 500);
      assert.deepEqual(await tree(join(d, "users")), []);
    });
  });

  test("a login adds one member without rewriting the others; a logout removes only its own", async () => {
    await withStore("index-members", async (store, d) => {
      const keys = [newKey(), newKey(), newKey()];
      for (const key of keys) await store.create(key, rec({ userId: "U" }));
      const first = await members(d);
      assert.equal(first.length, 3);
      const inodes = await Promise.all(first.map(async (p) => (await stat(join(d, "users", p))).ino));
      const fourth = newKey();
      await store.create(fourth, rec({ userId: "U" }));
      const second = await members(d);
      assert.equal(second.length, 4);
      assert.deepEqual(await Promise.all(first.map(async (p) => (await stat(join(d, "users", p))).ino)), inodes, "earlier members untouched");
      await store.delete(fourth);
      assert.deepEqual(await members(d), first);
      assert.deepEqual((await store.listByUser("U", T)).map((r) => r.key).sort(), [...keys].sort());
    });
  });

  test("a logout racing a sign-in of the same session on another store object never leaves a session of the user outside the index", async () => {
    await withStores("index-owner-race", 2, async ([a, b]) => {
      let owned = 0;
      const unindexed: string[] = [];
      // 1,200 races, 20 at a time: the window is small (a logout's leave of the index against a sign-in's join).
      for (let batch = 0; batch < 60; batch++) {
        await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const user = `racer${batch}.${i}`;
            const key = newKey();
            await a!.create(key, rec({ data: { userId: user }, userId: user }));
            const logout = a!.update(key, patch({ unset: ["userId"], userId: null }), T);
            await new Promise((r) => setImmediate(r));
            const signIn = b!.update(key, patch({ set: { userId: user }, userId: user }), T);
            await Promise.all([logout, signIn]);
            if ((await a!.get(key, T))?.userId !== user) return; // the sign-in ran first: anonymous now
            owned++;
            if ((await a!.listByUser(user, T)).length === 0) unindexed.push(user);
          }),
        );
      }
      assert.ok(owned > 100, `${owned} races ended signed in`);
      assert.deepEqual(unindexed, []);
    });
  });

  test("listByUser drops expired members from the index", async () => {
    await withStore("index-list", async (store, d) => {
      const live = newKey();
      await store.create(live, rec({ userId: "U" }));
      await store.create(newKey(), rec({ userId: "U", expiresAt: T + 10 }));
      assert.equal((await members(d)).length, 2);
      assert.deepEqual(await store.listByUser("U", T + 10), [{ key: live, record: rec({ userId: "U" }) }]);
      assert.deepEqual((await members(d)).map((p) => p.slice(-64)), [hexOf(live)]);
    });
  });
});

describe("file store: files of the earlier format and files that are not sessions", () => {
  const userDirOf = (d: string, userId: string) => {
    const hash = createHash("sha256").update(userId).digest("hex");
    return join(d, "users", hash.slice(0, 2), hash);
  };

  test("a session file of the earlier format (expiry in its mtime) still reads, and its next write moves it to the new one", async () => {
    await withStore("legacy-session", async (store, d) => {
      const key = newKey();
      const file = sessionFile(d, key);
      await mkdir(join(d, hexOf(key).slice(0, 2)), { recursive: true });
      await writeFile(file, JSON.stringify({ d: { a: 1 }, c: T, l: T, u: "U" }));
      await utimes(file, new Date(T + 50 * 60_000), new Date(T + HOUR));
      assert.deepEqual(await store.get(key, T), rec({ data: { a: 1 }, userId: "U" }));
      assert.deepEqual(await new FileStore({ dir: d, syncReads: false }).get(key, T), rec({ data: { a: 1 }, userId: "U" }));
      assert.equal(await store.update(key, patch({ set: { b: 2 }, lastSeenAt: T + 1, expiresAt: T + 2 * HOUR }), T), true);
      assert.deepEqual(JSON.parse(await readFile(file, "utf8")), { d: { a: 1, b: 2 }, c: T, l: T + 1, e: T + 2 * HOUR, u: "U" });
    });
  });

  test("a user index of the earlier format is adopted: deleteByUser and purge reach the sessions made before the upgrade", async () => {
    await withStore("legacy-index", async (store, d) => {
      const [a, b, c] = [newKey(), newKey(), newKey()];
      for (const key of [a, b]) await store.create(key, rec({ userId: "U" }));
      await store.create(c, rec({ userId: "W", expiresAt: T + 10 }));
      for (const [user, keys] of [["U", [a, b]], ["W", [c]]] as const) {
        const dirOf = userDirOf(d, user);
        await rm(dirOf, { recursive: true, force: true });
        await mkdir(join(dirOf, ".."), { recursive: true });
        await writeFile(`${dirOf}.json`, JSON.stringify(keys));
      }
      assert.equal(await store.deleteByUser("U", a, T), 1);
      assert.deepEqual((await store.listByUser("U", T)).map((r) => r.key), [a]);
      assert.equal(existsSync(`${userDirOf(d, "U")}.json`), false);
      assert.equal(await store.purge(T + 10), 1);
      assert.equal(existsSync(`${userDirOf(d, "W")}.json`), false);
      assert.equal(existsSync(userDirOf(d, "W")), false, "its member left with the expired session");
    });
  });

  test("a lock file of the earlier format is waited for while fresh and taken over once stale", async () => {
    const { store, key, lock } = await oneSession("legacy-lock", 200);
    await writeFile(lock, `${process.pid} ${Date.now()}`);
    await assert.rejects(store.update(key, patch({ set: { a: 1 } }), T), SessionStoreError);
    const past = new Date(Date.now() - 11_000);
    await utimes(lock, past, past);
    assert.equal(await store.update(key, patch({ set: { a: 1 } }), T), true);
    await store.settled();
  });

  test("a file that is not a session file reads as no session, and is removed", async () => {
    await withStore("garbage", async (store, d) => {
      const texts = ["{torn", "null", "[]", '{"d":[],"c":1,"l":1,"e":1e15}', '{"d":{},"c":"x","l":1,"e":1e15}', '{"d":{},"c":1,"l":1,"e":1e15,"u":5}'];
      for (const text of texts) {
        const key = newKey();
        await mkdir(join(d, hexOf(key).slice(0, 2)), { recursive: true });
        await writeFile(sessionFile(d, key), text);
        assert.equal(await store.get(key, T), null, text);
        assert.equal(await store.update(key, patch(), T), false, text);
        await store.settled();
        assert.equal(existsSync(sessionFile(d, key)), false, text);
      }
    });
  });
});

describe("file store: options", () => {
  test("bad options are a SessionConfigError naming the option", () => {
    const d = sub("options");
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /option dir is missing/],
      [{}, /option dir is missing/],
      [{ dir: "" }, /option dir is invalid: ""/],
      [{ dir: 5 }, /option dir is invalid: 5/],
      [{ dir: d, lockTimeout: -1 }, /option lockTimeout is invalid: -1/],
      [{ dir: d, lockTimeout: Number.NaN }, /option lockTimeout is invalid: NaN/],
      [{ dir: d, lockTimeout: "5" }, /option lockTimeout is invalid: "5"/],
      [{ dir: d, syncReads: "yes" }, /option syncReads is invalid: "yes"/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new FileStore(options as never), (e: unknown) => e instanceof SessionConfigError && message.test(e.message), String(message));
    }
    assert.throws(() => createFileSessionStorage({} as never), SessionConfigError);
  });

  test("a dir that is a regular file is refused at creation, naming the path", async () => {
    const file = sub("regular");
    await writeFile(file, "not a directory");
    assert.throws(
      () => new FileStore({ dir: file }),
      (e: unknown) => e instanceof SessionConfigError && e.message.includes(JSON.stringify(file)) && /not a directory/.test(e.message),
    );
  });

  test("a dir that cannot be created is refused at creation, naming the path", async () => {
    const file = sub("parent-file");
    await writeFile(file, "not a directory");
    const d = join(file, "sessions");
    assert.throws(() => new FileStore({ dir: d }), (e: unknown) => e instanceof SessionConfigError && e.message.includes(JSON.stringify(d)) && /cannot be created/.test(e.message));
  });

  test("a dir that cannot be written is refused at creation, naming the path", { skip: process.platform !== "linux" && "needs /sys" }, () => {
    // sysfs refuses new files even to root, so this holds whoever runs the test.
    assert.throws(() => new FileStore({ dir: "/sys" }), (e: unknown) => e instanceof SessionConfigError && e.message.includes('"/sys"') && /cannot be written/.test(e.message));
  });

  test("the dir is made at creation with mode 0700, and nothing is left in it", async () => {
    const d = join(sub("made"), "a", "b");
    new FileStore({ dir: d });
    assert.equal((await stat(d)).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(d), []);
  });
});

describe("file store: sizes", () => {
  test("a session of 10,000 keys and one with a 1 MB value are created, updated, replaced and read back", async () => {
    await withStore("sizes", async (store) => {
      const many: Record<string, unknown> = {};
      for (let i = 0; i < 10_000; i++) many[`k${i}`] = i;
      const big = "x".repeat(1024 * 1024);
      for (const data of [many, { big }]) {
        const [key, next] = [newKey(), newKey()];
        await store.create(key, rec({ data }));
        assert.deepEqual((await store.get(key, T))!.data, data);
        assert.equal(await store.update(key, patch({ set: { extra: big }, unset: ["k0"] }), T), true);
        const updated: Record<string, unknown> = { ...data, extra: big };
        delete updated.k0;
        assert.deepEqual((await store.get(key, T))!.data, updated);
        assert.equal(await store.replace(key, next, rec({ data: updated }), T), true);
        assert.deepEqual((await store.get(next, T))!.data, updated);
        assert.equal(await store.get(key, T), null);
      }
    });
  });
});
