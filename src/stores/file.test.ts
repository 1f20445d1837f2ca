import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SECRET_A, cookiePair, fakeClock } from "../../test/helpers.js";
import { incrementFromTwoProcesses } from "../../test/cross-process.js";
import { SessionStoreError } from "../errors.js";
import { createFileSessionStorage } from "../file.js";
import { FileStore } from "./file.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tessera-file-"));
});
after(() => rm(dir, { recursive: true, force: true }));

async function sub(name: string) {
  const d = join(dir, name);
  return d;
}

describe("file store", () => {
  test("session files are 0600 in 0700 shard directories, named by a hash, never by the id", async () => {
    const d = await sub("modes");
    const storage = createFileSessionStorage({ dir: d, cookie: { secrets: [SECRET_A] } });
    const s = await storage.read(null);
    s.set("a", 1);
    await storage.save(s);
    const [shard] = await readdir(d);
    assert.match(shard!, /^[0-9a-f]{2}$/);
    assert.equal((await stat(join(d, shard!))).mode & 0o777, 0o700);
    const [file] = await readdir(join(d, shard!));
    assert.match(file!, /^[0-9a-f]{64}\.json$/);
    assert.ok(!file!.includes(s.id));
    assert.equal((await stat(join(d, shard!, file!))).mode & 0o777, 0o600);
  });

  test("sessions spread over at most 256 shard directories", async () => {
    const d = await sub("shards");
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
    const d = await sub("hostile");
    const store = new FileStore({ dir: d });
    for (const key of ["../x", "..%2f", "a".repeat(42) + "/", "\u0000".repeat(43), "A".repeat(44), "*"]) {
      await assert.rejects(store.get(key, 0), SessionStoreError);
      await assert.rejects(store.update(key, { clear: false, set: {}, unset: [], lastSeenAt: 0, expiresAt: 1 }, 0), SessionStoreError);
      await assert.rejects(store.delete(key), SessionStoreError);
    }
    await assert.rejects(stat(d), /ENOENT/, "nothing was created");
  });

  test("an expired file reads as absent, is removed lazily, and purge() removes the rest", async () => {
    const d = await sub("purge");
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
    const count = async () => (await Promise.all((await readdir(d)).map((s) => readdir(join(d, s))))).flat().filter((f) => f.endsWith(".json")).length;
    assert.equal(await count(), 5);
    clock.advance(61);
    assert.equal((await storage.read(cookies[0]!)).isNew, true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await count(), 4, "the expired file read was removed");
    assert.equal(await storage.purge(), 4);
    assert.equal(await count(), 0);
  });

  test("a touch refreshes the expiry without rewriting the file", async () => {
    const d = await sub("touch");
    const clock = fakeClock(Date.now());
    const storage = createFileSessionStorage({ dir: d, cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: 600, touchInterval: 60 });
    const s = await storage.read(null);
    s.set("a", 1);
    const cookie = cookiePair(await storage.save(s));
    const shard = (await readdir(d))[0]!;
    const file = join(d, shard, (await readdir(join(d, shard)))[0]!);
    const before = await stat(file);
    clock.advance(120);
    await storage.save(await storage.read(cookie));
    const after = await stat(file);
    assert.equal(after.ino, before.ino, "same file, not a rewrite");
    assert.equal(Math.round(after.mtimeMs), clock.now() + 600_000);
  });

  test("two processes incrementing different keys of one session lose nothing", async () => {
    const d = await sub("processes");
    const storage = createFileSessionStorage({ dir: d, cookie: { secrets: [SECRET_A], name: "sid" } });
    await incrementFromTwoProcesses(storage, "file", d, "-", 150);
  });

  test("the seed's createFileSessionStorage code runs with the import changed", async () => {
    const sessionStorage = createFileSessionStorage({
      dir: await sub("seed"),
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

  test("a missing dir option is a clear error", () => {
    assert.throws(() => createFileSessionStorage({} as never), /needs \{ dir \}/);
  });
});
