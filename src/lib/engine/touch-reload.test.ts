// touch() and reload() on a cookie storage (the store storages: test/conformance.ts),
// and the one-time warning when a sign-in is saved without the storage's userKey.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair, fakeClock } from "../../../test/helpers.js";
import { createMemorySessionStorage } from "../storages/memory.js";
import { createCookieSessionStorage } from "./cookie-storage.js";
import { createRevocableCookieSessionStorage } from "./revocable-cookie-storage.js";
import { MemoryRevocationStore } from "../stores/memory-revocation.js";
import { Session } from "../session/session.js";

describe("touch() and reload() on a cookie storage", () => {
  const clock = fakeClock();
  const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" }, now: clock.now, idleTimeout: 3600, touchInterval: 60 });

  test("touch() re-issues the cookie with a slid idle timeout, before a refresh is due", async () => {
    const s = await storage.read(null);
    s.set("v", 1);
    const cookie = cookiePair(await storage.save(s));
    clock.advance(10);
    const unchanged = await storage.read(cookie);
    assert.equal(await storage.save(unchanged), null, "no refresh due yet");
    const touched = await storage.read(cookie);
    touched.touch();
    const again = await storage.save(touched);
    assert.ok(again, "a touched session is re-issued");
    assert.equal(touched.expiresAt!.getTime(), clock.now() + 3600_000);
    assert.equal(await storage.save(touched), null, "a touch is used up by the save that made it");
    assert.equal((await storage.read(cookiePair(again))).get("v"), 1);
  });

  test("reload() goes back to what the request's cookie holds, when this request saved nothing", async () => {
    const s = await storage.read(null);
    s.set("v", 1);
    const cookie = cookiePair(await storage.save(s));
    const r = await storage.read(cookie);
    r.set("v", 2);
    r.unset("v");
    r.set("w", 3);
    await r.reload();
    assert.deepEqual(r.entries(), [["v", 1]]);
    assert.equal(r.dirty, false);
  });

  test("reload() after a save in this request reads the cookie that save issued, on a revocable storage too", async () => {
    const revocable = createRevocableCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" }, now: clock.now, userKey: "userId", revocation: { store: new MemoryRevocationStore({ now: clock.now }) } });
    for (const one of [storage, revocable] as const) {
      const s = await one.read(null);
      s.set("cart", ["x"]);
      const before = cookiePair(await one.save(s));
      const login = await one.read(before);
      login.regenerateId();
      login.set("userId", "u");
      const signedIn = cookiePair(await one.save(login));
      await login.reload();
      assert.deepEqual([login.isNew, login.get("userId"), login.get("cart")], [false, "u", ["x"]]);
      login.set("theme", "dark");
      login.flash("notice", "welcome");
      await one.save(login);
      await login.reload();
      assert.equal(login.get("notice"), undefined, "the flash is the next request's");
      login.set("page", "/inbox");
      const after = await one.read(cookiePair(await one.save(login)));
      assert.deepEqual([after.get("userId"), after.get("theme"), after.get("page"), after.get("notice")], ["u", "dark", "/inbox", "welcome"]);
      assert.equal((await one.read(signedIn)).get("userId"), "u");
    }
  });

  test("touch() and reload() of a destroyed session throw, as every change does", async () => {
    const s = await storage.read(null);
    s.destroy();
    assert.throws(() => s.touch(), /destroyed/);
    await assert.rejects(s.reload(), /destroyed/);
  });

  test("reload() of a session no storage read says so", async () => {
    const s = new Session({ id: "", isNew: true, createdAt: 0 });
    await assert.rejects(s.reload(), { message: "reload(): this session did not come from a storage's read()" });
  });
});

describe("userKey", () => {
  test("a sign-in saved without the userKey value warns once, naming a near key", async (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    const storage = createMemorySessionStorage<{ userID?: string; userId?: string }>({ cookie: { secrets: [SECRET_A], name: "sid" }, userKey: "userId" });
    for (let i = 0; i < 2; i++) {
      const s = await storage.read(null);
      s.regenerateId();
      s.set("userID", "ann");
      await storage.save(s);
    }
    assert.equal(warn.mock.callCount(), 1);
    assert.equal(
      warn.mock.calls[0]!.arguments[0],
      'tessera: a regenerated session was saved without "userId" (the storage\'s userKey) in its data, so listSessions() and ' +
        'destroyAllSessions() will not find it. Its keys: userID. Did you mean userKey: "userID"?',
    );
    assert.deepEqual(await storage.listSessions("ann"), []);
  });

  test("a sign-in without the userKey value in a session of many keys names the first ten and how many there are", async (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    const storage = createMemorySessionStorage<Record<string, number>>({ cookie: { secrets: [SECRET_A], name: "sid" }, userKey: "userId" });
    const s = await storage.read(null);
    s.regenerateId();
    for (let i = 0; i < 5_000; i++) s.set(`k${i}`, i);
    await storage.save(s);
    assert.deepEqual(warn.mock.calls.map((c) => c.arguments[0]), [
      'tessera: a regenerated session was saved without "userId" (the storage\'s userKey) in its data, so listSessions() and ' +
        "destroyAllSessions() will not find it. Its keys: k0, k1, k2, k3, k4, k5, k6, k7, k8, k9 and 4,990 more. " +
        "If this was a sign-in, set the user id under that key (a string or a number).",
    ]);
  });

  test("a sign-in whose userKey value is not a string or a number warns that it is no user id, and is not listed", async (t) => {
    for (const [value, what] of [[{ id: "ann" }, "an object"], [["ann"], "an array"], [true, "a boolean"], [null, "null"]] as const) {
      const warn = t.mock.method(console, "warn", () => {});
      const storage = createMemorySessionStorage<{ user: unknown }>({ cookie: { secrets: [SECRET_A], name: "sid" }, userKey: "user" });
      const s = await storage.read(null);
      s.regenerateId();
      s.set("user", value);
      await storage.save(s);
      assert.deepEqual(warn.mock.calls.map((c) => c.arguments[0]), [
        `tessera: a regenerated session was saved with "user" (the storage's userKey) holding ${what}, not a user id (a string or a number), ` +
          "so listSessions() and destroyAllSessions() will not find it.",
      ]);
      warn.mock.restore();
      assert.deepEqual(await storage.listSessions("[object Object]"), []);
    }
  });

  test("a sign-in with the userKey value says nothing, and is listed", async (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    const storage = createMemorySessionStorage<{ userId: string }>({ cookie: { secrets: [SECRET_A], name: "sid" }, userKey: "userId" });
    const s = await storage.read(null);
    s.regenerateId();
    s.set("userId", "ann");
    await storage.save(s);
    assert.equal(warn.mock.callCount(), 0);
    assert.equal((await storage.listSessions("ann")).length, 1);
  });
});
