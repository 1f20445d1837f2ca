import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Session, stateOf } from "./session.js";

const fresh = () => new Session({ id: "", isNew: true, createdAt: 0 });

describe("Session", () => {
  test("set, get, has and unset; set(key, undefined) unsets", () => {
    const s = fresh();
    assert.equal(s.dirty, false);
    s.set("a", 1);
    assert.equal(s.get("a"), 1);
    assert.equal(s.has("a"), true);
    assert.equal(s.dirty, true);
    s.set("a", undefined);
    assert.equal(s.has("a"), false);
    s.set("b", 2);
    s.unset("b");
    assert.equal(s.get("b"), undefined);
    assert.deepEqual([...stateOf(s).changes!], [["a", undefined], ["b", undefined]]);
  });

  test("a flash value set now is not readable in this request", () => {
    const s = fresh();
    s.flash("notice", "hi");
    assert.equal(s.get("notice"), undefined);
    assert.equal(s.has("notice"), false);
    assert.equal(s.dirty, true);
  });

  test("an incoming flash value is readable on every read, and wins over a stored value", () => {
    const s = new Session({ id: "", isNew: false, createdAt: 0, data: Object.assign(Object.create(null), { notice: "stored" }), flash: Object.assign(Object.create(null), { notice: "flash" }) });
    assert.equal(s.get("notice"), "flash");
    assert.equal(s.get("notice"), "flash");
    assert.equal(s.dirty, true, "consuming a flash must be saved");
  });

  test("clear() drops every value and flash and keeps the id", () => {
    const s = new Session({ id: "abc", isNew: false, createdAt: 0, data: Object.assign(Object.create(null), { a: 1 }), flash: Object.assign(Object.create(null), { f: 1 }) });
    s.clear();
    assert.deepEqual(s.entries(), []);
    assert.equal(s.id, "abc");
  });

  test("entries() lists stored and incoming flash values", () => {
    const s = new Session({ id: "", isNew: false, createdAt: 0, data: Object.assign(Object.create(null), { a: 1 }), flash: Object.assign(Object.create(null), { f: 2 }) });
    assert.deepEqual(s.entries(), [["a", 1], ["f", 2]]);
  });

  test("regenerateId() gives a new id and keeps data; keep drops everything else", () => {
    let n = 0;
    const s = new Session({ id: "old", isNew: false, createdAt: 0, newId: () => `new${++n}`, data: Object.assign(Object.create(null), { _csrf: "t", cart: [1] }) });
    s.regenerateId();
    assert.equal(s.id, "new1");
    assert.equal(s.get("_csrf"), "t");
    s.regenerateId({ keep: ["cart"] });
    assert.equal(s.id, "new2");
    assert.equal(stateOf(s).storedId, "old", "the first id is the one to delete");
    assert.equal(s.get("_csrf"), undefined);
    assert.deepEqual(s.get("cart"), [1]);
  });

  test("flash-shaped keys are reserved", () => {
    assert.throws(() => fresh().set("__flash_x__", 1), /reserved for flash values: use session.flash\("x", value\)/);
  });

  test("B8: JSON.stringify never shows the session id", () => {
    const s = new Session({ id: "secret-token-value", isNew: false, createdAt: 0, data: Object.assign(Object.create(null), { a: 1 }) });
    const json = JSON.stringify(s);
    assert.ok(!json.includes("secret-token-value"));
    assert.deepEqual(JSON.parse(json), { data: { a: 1 }, createdAt: "1970-01-01T00:00:00.000Z" });
  });

  test("a value JSON cannot carry is a TypeError naming the key, at set()", () => {
    const s = fresh();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: Array<[unknown, RegExp]> = [
      [10n, /session value "k" cannot be stored: a bigint is not JSON data/],
      [cyclic, /session value "k" cannot be stored: it refers to itself \(a cycle\)/],
      [new Date(0), /a Date instance does not survive JSON/],
      [new Map(), /a Map instance does not survive JSON/],
      [{ nested: [new Set()] }, /a Set instance does not survive JSON/],
      [() => 1, /a function is not JSON data/],
      [NaN, /NaN is not a finite number/],
      [[1, undefined], /an array holds undefined/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => s.set("k", value), (e: unknown) => e instanceof TypeError && message.test((e as Error).message), String(message));
      assert.throws(() => s.flash("k", value), TypeError);
    }
    assert.equal(s.dirty, false, "nothing was stored");
    s.set("ok", { a: [1, "two", null, true, { b: Object.create(null) }], skipped: undefined });
    assert.equal(s.dirty, true);
  });

  test("after destroy() the session reads as empty and refuses changes", () => {
    let n = 0;
    const s = new Session({ id: "x", isNew: false, createdAt: 0, newId: () => `n${++n}`, data: Object.assign(Object.create(null), { userId: "u1" }), flash: Object.assign(Object.create(null), { notice: "hi" }) });
    s.destroy();
    assert.equal(s.get("userId"), undefined);
    assert.equal(s.has("userId"), false);
    assert.equal(s.get("notice"), undefined);
    assert.deepEqual(s.entries(), []);
    for (const write of [() => s.set("a", 1), () => s.unset("a"), () => s.flash("a", 1), () => s.clear(), () => s.regenerateId(), () => s.setMaxAge(60)]) {
      assert.throws(write, /^Error: Session has been destroyed/);
    }
    s.destroy();
    assert.equal(s.destroyed, true, "destroy() twice is harmless");
  });

  test("regenerateId() makes the session dirty, new or not: saving must issue the new id", () => {
    const s = new Session({ id: "a", isNew: true, createdAt: 0, newId: () => "b" });
    assert.equal(s.dirty, false);
    s.regenerateId();
    assert.equal(s.dirty, true);
    assert.equal(s.id, "b");
  });

  test("a flash value is consumed only when read: get, has or entries()", () => {
    const incoming = () => new Session({ id: "", isNew: false, createdAt: 0, flash: Object.assign(Object.create(null), { a: 1, b: 2 }) });
    const untouched = incoming();
    assert.equal(untouched.dirty, false, "a request that never reads it leaves it");
    const got = incoming();
    got.get("a");
    assert.equal(got.dirty, true);
    const asked = incoming();
    assert.equal(asked.has("b"), true);
    assert.equal(asked.dirty, true);
    const listed = incoming();
    listed.entries();
    assert.equal(listed.dirty, true);
    const logged = incoming();
    JSON.stringify(logged);
    assert.equal(logged.dirty, false, "logging a session consumes nothing");
  });

  test("setMaxAge() checks its value, and null goes back to the storage's lifetime", () => {
    const s = fresh();
    assert.equal(s.maxAge, undefined);
    s.setMaxAge(3600);
    assert.equal(s.maxAge, 3600);
    assert.equal(s.dirty, true);
    s.setMaxAge(null);
    assert.equal(s.maxAge, undefined);
    for (const bad of [1.5, -1, 400 * 86400 + 1, "60" as never]) assert.throws(() => s.setMaxAge(bad), /setMaxAge\(.*\): use a whole number of seconds from 0 to 34560000/);
  });
});
