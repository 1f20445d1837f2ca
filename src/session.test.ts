import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Session } from "./session.js";

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
    assert.deepEqual([...s._changes!], [["a", undefined], ["b", undefined]]);
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
    assert.equal(s._previousId, "old", "the first id is the one to delete");
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
});
