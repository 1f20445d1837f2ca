import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair, fakeClock } from "../../../test/helpers.js";
import { createCookieSessionStorage } from "./cookie-storage.js";
import type { SessionEvent } from "./events.js";
import { createMemorySessionStorage } from "../storages/memory.js";

/** A printable-ASCII string of random length, as an attacker would send. */
function junk(rand: () => number): string {
  let s = "";
  const n = 1 + Math.floor(rand() * 300);
  for (let i = 0; i < n; i++) s += String.fromCharCode(0x21 + Math.floor(rand() * 94));
  return s.replace(/;/g, "");
}

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe("security events", () => {
  test("G7: 10,000 random cookie values are each a fresh session and one 'rejected' event", async () => {
    const events: SessionEvent[] = [];
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" }, onEvent: (e) => events.push(e) });
    const rand = prng(42);
    const inputs = Array.from({ length: 10_000 }, () => junk(rand));
    for (const value of inputs) {
      const session = await storage.read(`sid=${value}`);
      assert.equal(session.isNew, true);
    }
    assert.equal(events.length, inputs.filter((v) => v.length > 0).length);
    assert.ok(events.every((e) => e.type === "rejected" && e.reason === "tampered" && e.cookie === "sid" && /^[A-Za-z0-9_-]{12}$/.test(e.fingerprint)));
  });

  test("K4: a tampered id cookie is one event with a fingerprint, never the token", async () => {
    const events: SessionEvent[] = [];
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" }, onEvent: (e) => events.push(e) });
    const s = await storage.read(null);
    s.set("a", 1);
    const cookie = cookiePair(await storage.save(s));
    const tampered = cookie.slice(0, -2) + (cookie.endsWith("A") ? "BB" : "AA");
    await storage.read(tampered);
    assert.deepEqual(events.map((e) => [e.type, e.reason]), [["created", undefined], ["rejected", "tampered"]]);
    const text = JSON.stringify(events);
    assert.ok(!text.includes(s.id) && !text.includes(tampered.slice(4)), "no token in any event");
  });

  test("K4: the life of an id session: created, regenerated, destroyed, then unknown", async () => {
    const events: SessionEvent[] = [];
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, onEvent: (e) => events.push(e) });
    const s = await storage.read(null);
    s.set("a", 1);
    const first = cookiePair(await storage.save(s));
    const again = await storage.read(first);
    again.regenerateId();
    const second = cookiePair(await storage.save(again));
    await storage.destroySession(await storage.read(second));
    await storage.read(second);
    assert.deepEqual(events.map((e) => [e.type, e.reason ?? ""]), [
      ["created", ""], ["regenerated", ""], ["destroyed", ""], ["rejected", "unknown"],
    ]);
    assert.equal(events[1]!.fingerprint, events[2]!.fingerprint, "one session, one fingerprint");
  });

  test("an expired cookie session is reported as expired", async () => {
    const events: SessionEvent[] = [];
    const clock = fakeClock();
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: 60, onEvent: (e) => events.push(e) });
    const s = await storage.read(null);
    s.set("a", 1);
    const cookie = cookiePair(await storage.save(s));
    clock.advance(61);
    await storage.read(cookie);
    assert.deepEqual(events.map((e) => [e.type, e.reason ?? ""]), [["created", ""], ["rejected", "expired"]]);
  });
});
