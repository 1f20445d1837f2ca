import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair } from "../../../test/helpers.js";
import { SessionConfigError } from "../errors.js";
import { createMemorySessionStorage } from "../storages/memory.js";
import { MemoryStore } from "./memory.js";
import type { SessionPatch, SessionRecord } from "./store.js";

const record = (n: number, data: Record<string, unknown> = { n }) => ({ data, createdAt: 0, lastSeenAt: 0, expiresAt: 1e15 });
const key = (n: number) => `k${String(n).padStart(42, "0")}`;
const NOW = Date.UTC(2026, 0, 1);
const signedIn = (n: number): SessionRecord => ({ data: { userId: `u${n}` }, createdAt: NOW, lastSeenAt: NOW, expiresAt: NOW + 3_600_000, userId: `u${n}` });
const anonymous = (n: number): SessionRecord => ({ data: { csrf: n }, createdAt: NOW, lastSeenAt: NOW, expiresAt: NOW + 3_600_000 });
const patch = (changes: Partial<SessionPatch>): SessionPatch => ({ clear: false, set: {}, unset: [], lastSeenAt: NOW, expiresAt: NOW + 3_600_000, ...changes });
/** Which of `keys` the store still holds (reading them all, oldest first, keeps their order). */
const held = (store: MemoryStore, keys: string[]) => keys.filter((k) => store.get(k, NOW) !== null);

describe("memory store", () => {
  test("K5: past maxSessions the least recently used session is evicted", async () => {
    const store = new MemoryStore({ maxSessions: 3 });
    for (let i = 0; i < 3; i++) await store.create(key(i), record(i));
    await store.get(key(0), 1); // 0 is now the most recently used
    await store.create(key(3), record(3));
    assert.equal(store.size, 3);
    assert.equal(await store.get(key(1), 1), null, "1 was the least recently used");
    assert.deepEqual((await store.get(key(0), 1))?.data, { n: 0 });
    assert.deepEqual((await store.get(key(3), 1))?.data, { n: 3 });
  });

  test("eviction gives every session read since it last moved a second chance: the oldest unread one goes, the read ones move last", () => {
    const store = new MemoryStore({ maxSessions: 4 });
    for (let i = 0; i < 4; i++) store.create(key(i), record(i));
    for (let n = 0; n < 1000; n++) store.get(key(0), 1); // a busy session: marked, never moved by a read
    store.get(key(1), 1);
    store.create(key(4), record(4)); // 0 and 1 go last; 2, the oldest unread, goes
    store.create(key(5), record(5)); // 3 is now the oldest unread
    assert.equal(store.size, 4);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => store.get(key(i), 1) !== null), [true, true, false, false, true, true]);
  });

  test("no object is shared by reference with callers", async () => {
    const store = new MemoryStore();
    const data = { list: [1] };
    await store.create(key(1), record(1, data));
    data.list.push(2);
    const read = (await store.get(key(1), 1))!;
    assert.deepEqual(read.data, { list: [1] });
    (read.data.list as number[]).push(3);
    assert.deepEqual((await store.get(key(1), 1))!.data, { list: [1] });
  });

  test("expired entries are swept on a later write, without a timer per session", async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 10; i++) await store.create(key(i), { data: {}, createdAt: 0, lastSeenAt: 0, expiresAt: 1000 });
    assert.equal(store.size, 10);
    await store.create(key(99), { data: {}, createdAt: 0, lastSeenAt: 120_000, expiresAt: 200_000 });
    assert.equal(store.size, 1);
  });

  test("a bad maxSessions or maxAnonymousSessions is a SessionConfigError naming the option and the value", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, "10"]) {
      assert.throws(
        () => new MemoryStore({ maxSessions: bad as number }),
        (e: unknown) => e instanceof SessionConfigError && e.message === `option maxSessions is invalid: ${String(bad)}; use a whole number above 0`,
      );
    }
    for (const bad of [0, -1, 2.5, "4"]) {
      assert.throws(
        () => new MemoryStore({ maxSessions: 10, maxAnonymousSessions: bad as number }),
        (e: unknown) => e instanceof SessionConfigError && e.message === `option maxAnonymousSessions is invalid: ${String(bad)}; use a whole number from 1 to maxSessions (10)`,
      );
    }
    assert.throws(
      () => new MemoryStore({ maxSessions: 10, maxAnonymousSessions: 11 }),
      (e: unknown) => e instanceof SessionConfigError && e.message === "option maxAnonymousSessions is invalid: 11; use a whole number from 1 to maxSessions (10)",
    );
    assert.equal(new MemoryStore({ maxSessions: 1 }).size, 0);
    assert.throws(() => createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, maxSessions: 0 }), SessionConfigError);
  });

  test("createMemorySessionStorage() works with no options outside production", async () => {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] } });
    const s = await storage.getSession(null);
    s.set("count", 1);
    const next = await storage.getSession(cookiePair(await storage.commitSession(s)));
    assert.equal(next.get("count"), 1);
  });
});

describe("memory store: signed-in sessions outlive anonymous ones", () => {
  test("1,000 anonymous sessions under maxSessions 1000 leave a signed-in session readable", () => {
    const store = new MemoryStore({ maxSessions: 1000 });
    store.create(key(0), signedIn(0));
    for (let i = 1; i <= 1000; i++) store.create(key(i), anonymous(i));
    assert.deepEqual(store.get(key(0), NOW)?.data, { userId: "u0" });
    assert.equal(store.size, 1000);
    assert.deepEqual(held(store, [key(1), key(2), key(1000)]), [key(2), key(1000)], "the oldest anonymous one went instead");
  });

  test("the bounds hold exactly, and a signed-in session is evicted only when no anonymous one is left", () => {
    const store = new MemoryStore({ maxSessions: 10, maxAnonymousSessions: 4 });
    for (let i = 0; i < 6; i++) store.create(key(i), signedIn(i));
    for (let i = 100; i < 120; i++) store.create(key(i), anonymous(i));
    assert.equal(store.size, 10);
    for (let i = 6; i < 9; i++) store.create(key(i), signedIn(i));
    assert.equal(store.size, 10);
    assert.deepEqual(held(store, [key(116), key(117), key(118), key(119)]), [key(119)], "each signed-in create took the oldest anonymous");
    store.create(key(9), signedIn(9));
    assert.deepEqual(held(store, [key(119)]), [], "the last anonymous one went before any signed-in one");
    const users = Array.from({ length: 10 }, (_, i) => key(i));
    assert.deepEqual(held(store, users), users);
    store.create(key(10), signedIn(10));
    assert.equal(store.size, 10);
    assert.deepEqual(held(store, [...users, key(10)]), [...users.slice(1), key(10)], "then the least recently used signed-in one");
    store.create(key(200), anonymous(200));
    assert.equal(store.size, 10, "an anonymous create in a store full of signed-in sessions takes one place");
    store.create(key(201), anonymous(201));
    assert.deepEqual(held(store, [key(1), key(2), key(200), key(201)]), [key(2), key(201)], "and from then on evicts only anonymous ones");
  });

  test("a session gains priority when it gets an owner or is regenerated, and loses it with its owner", () => {
    const store = new MemoryStore({ maxSessions: 4, maxAnonymousSessions: 2 });
    store.create(key(0), anonymous(0));
    assert.equal(store.update(key(0), patch({ set: { userId: "u0" }, userId: "u0" }), NOW), true);
    store.create(key(1), anonymous(1));
    assert.equal(store.replace(key(1), key(2), anonymous(2), NOW), true, "a login without a user key regenerates");
    for (let i = 10; i < 20; i++) store.create(key(i), anonymous(i));
    assert.deepEqual(held(store, [key(0), key(2), key(18), key(19)]), [key(0), key(2), key(18), key(19)]);
    assert.equal(store.update(key(0), patch({ unset: ["userId"], userId: null }), NOW), true, "a logout that keeps the session");
    store.create(key(20), anonymous(20));
    store.create(key(21), anonymous(21));
    assert.deepEqual(held(store, [key(0), key(2), key(18), key(19), key(20), key(21)]), [key(2), key(20), key(21)], "it went as an anonymous one");
  });
});

describe("memory store: a sign-in from a first visit", () => {
  test("a login that regenerates a session never stored before (a POST /login without a cookie) keeps a signed-in session's priority", async () => {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" }, maxSessions: 10, maxAnonymousSessions: 5 });
    const login = await storage.read(null);
    login.regenerateId();
    login.set("user", "ann");
    const cookie = cookiePair(await storage.save(login));
    for (let i = 0; i < 20; i++) {
      const visitor = await storage.read(null);
      visitor.set("cart", i);
      await storage.save(visitor);
    }
    assert.equal((await storage.read(cookie)).get("user"), "ann");
  });
});

describe("memory store: replace", () => {
  test("replace of a live record moves it, without a promise", () => {
    const store = new MemoryStore();
    store.create(key(1), { ...anonymous(1), userId: "u1" });
    const next: SessionRecord = { data: { cart: [1] }, createdAt: NOW, lastSeenAt: NOW + 1000, expiresAt: NOW + 60_000, userId: "u1", maxAge: 3600 };
    assert.equal(store.replace(key(1), key(2), next, NOW), true);
    assert.equal(store.get(key(1), NOW), null);
    assert.deepEqual(store.get(key(2), NOW), next);
    assert.equal(store.size, 1);
  });

  test("replace of a deleted or an expired record returns false and creates nothing", async () => {
    const store = new MemoryStore();
    store.create(key(1), anonymous(1));
    store.delete(key(1));
    assert.equal(store.replace(key(1), key(2), anonymous(2), NOW), false);
    store.create(key(3), { ...anonymous(3), expiresAt: NOW + 1000 });
    assert.equal(store.replace(key(3), key(4), signedIn(4), NOW + 1000), false);
    assert.equal(store.get(key(2), NOW), null);
    assert.equal(store.get(key(4), NOW), null);
    assert.deepEqual(await store.listByUser("u4", NOW), []);
    assert.equal(store.size, 0);
  });

  test("a replace whose new record cannot be written leaves the old record untouched", async () => {
    const store = new MemoryStore();
    store.create(key(1), signedIn(1));
    assert.throws(() => store.replace(key(1), key(2), { ...signedIn(1), data: { n: 1n } }, NOW), TypeError);
    assert.deepEqual(store.get(key(1), NOW), { ...signedIn(1), maxAge: undefined });
    assert.equal(store.get(key(2), NOW), null);
    assert.deepEqual((await store.listByUser("u1", NOW)).map((x) => x.key), [key(1)]);
  });
});

describe("memory store: patches", () => {
  test("restore puts a value back only where its key is absent after clear and unset, before set", () => {
    const store = new MemoryStore();
    store.create(key(1), { ...anonymous(1), data: { b: "other", d: 4 } });
    assert.equal(store.update(key(1), patch({ unset: ["d"], restore: { a: 1, b: 2, c: 3, d: 5 }, set: { c: 9 } }), NOW), true);
    assert.deepEqual(store.get(key(1), NOW)?.data, { b: "other", a: 1, c: 9, d: 5 });
    assert.equal(store.update(key(1), patch({ clear: true, restore: { a: 7, b: 8 }, set: { b: 0 } }), NOW), true);
    assert.deepEqual(store.get(key(1), NOW)?.data, { a: 7, b: 0 });
  });

  test("maxAge is kept with the record, changed or removed by a patch, and left alone without one", async () => {
    const store = new MemoryStore();
    store.create(key(1), { ...signedIn(1), maxAge: 3600 });
    assert.equal(store.get(key(1), NOW)?.maxAge, 3600);
    store.update(key(1), patch({ set: { x: 1 } }), NOW);
    assert.equal(store.get(key(1), NOW)?.maxAge, 3600);
    store.update(key(1), patch({ maxAge: 60 }), NOW);
    assert.equal(store.get(key(1), NOW)?.maxAge, 60);
    assert.deepEqual((await store.listByUser("u1", NOW)).map((x) => x.record.maxAge), [60]);
    store.update(key(1), patch({ maxAge: null }), NOW);
    assert.equal(store.get(key(1), NOW)?.maxAge, undefined);
  });

  test("touch takes the owner and ignores it", () => {
    const store = new MemoryStore();
    store.create(key(1), signedIn(1));
    assert.equal(store.touch(key(1), NOW + 5000, NOW + 7_200_000, NOW, "u1"), true);
    assert.equal(store.get(key(1), NOW)?.expiresAt, NOW + 7_200_000);
    assert.equal(store.touch(key(2), NOW, NOW + 1000, NOW, "u1"), false);
  });
});

describe("memory store: expiry is never early", () => {
  test("a record with expiresAt = T is live at T - 1 ms and gone within the second after T", () => {
    const store = new MemoryStore();
    for (const T of [NOW + 1, NOW + 999, NOW + 1000, NOW + 1500]) {
      store.create(key(1), { data: {}, createdAt: NOW, lastSeenAt: NOW, expiresAt: T });
      assert.notEqual(store.get(key(1), T - 1), null, `live at ${T - NOW - 1} ms`);
      assert.ok(store.get(key(1), T - 1)!.expiresAt >= T);
      assert.equal(store.get(key(1), T + 1000), null, `gone at ${T - NOW + 1000} ms`);
    }
  });

  test("a stored time is never earlier than the one given", () => {
    const store = new MemoryStore();
    const r = { data: {}, createdAt: NOW + 1, lastSeenAt: NOW + 2, expiresAt: NOW + 3 };
    store.create(key(1), r);
    const back = store.get(key(1), NOW)!;
    assert.ok(back.createdAt >= r.createdAt && back.lastSeenAt >= r.lastSeenAt && back.expiresAt >= r.expiresAt, JSON.stringify(back));
    assert.ok(back.createdAt - r.createdAt < 1000 && back.lastSeenAt - r.lastSeenAt < 1000 && back.expiresAt - r.expiresAt < 1000);
  });

  test("the absolute deadline, counted from the stored creation time, is never early", async () => {
    let t = NOW + 700;
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, now: () => t, idleTimeout: 50, absoluteTimeout: 60, touchInterval: 10 });
    const s = await storage.read(null);
    s.set("v", 1);
    const cookie = cookiePair(await storage.save(s));
    t += 30_000;
    const touched = await storage.read(cookie);
    await storage.save(touched); // a touch: the expiry is computed again from the stored createdAt
    t = NOW + 700 + 60_000 - 1;
    assert.equal((await storage.read(cookie)).get("v"), 1, "live 1 ms before the absolute timeout");
    t = NOW + 700 + 61_000;
    assert.equal((await storage.read(cookie)).isNew, true);
  });
});

describe("memory store: large sessions", () => {
  const wide = () => Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`key${i}`, i]));
  const big = () => ({ blob: "x".repeat(1024 * 1024) });
  for (const [name, data] of [["10,000 keys", wide], ["a 1 MB value", big]] as const) {
    test(`a session of ${name} is created, patched, replaced and read back`, () => {
      const store = new MemoryStore();
      store.create(key(1), { ...anonymous(1), data: data() });
      assert.deepEqual(store.get(key(1), NOW)?.data, data());
      assert.equal(store.update(key(1), patch({ set: { more: true } }), NOW), true);
      assert.deepEqual(store.get(key(1), NOW)?.data, { ...data(), more: true });
      assert.equal(store.replace(key(1), key(2), { ...anonymous(2), data: { ...data(), moved: 1 } }, NOW), true);
      assert.deepEqual(store.get(key(2), NOW)?.data, { ...data(), moved: 1 });
      assert.equal(store.get(key(1), NOW), null);
    });
  }
});
