// The engine's decisions, one per test: what a read adopts and what a save
// writes, re-issues or ends, through real backends (a memory store, the cookie).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, SECRET_B, cookiePair, fakeClock } from "../../../test/helpers.js";
import { MemoryStore } from "../stores/memory.js";
import type { SessionPatch, SessionRecord } from "../stores/store.js";
import { createCookieSessionStorage } from "./cookie-storage.js";
import type { SessionEvent } from "./events.js";
import { createSessionStorage } from "./id-storage.js";

/** A memory store that writes down which of its methods the engine called (not those it calls itself). */
class CountingStore extends MemoryStore {
  calls: string[] = [];
  #depth = 0;
  #count<T>(name: string, call: () => T): T {
    if (this.#depth === 0) this.calls.push(name);
    this.#depth++;
    try {
      return call();
    } finally {
      this.#depth--;
    }
  }
  override create(key: string, record: SessionRecord) {
    return this.#count("create", () => super.create(key, record));
  }
  override update(key: string, patch: SessionPatch, now: number) {
    return this.#count("update", () => super.update(key, patch, now));
  }
  override touch(key: string, lastSeenAt: number, expiresAt: number, now: number, userId?: string) {
    return this.#count("touch", () => super.touch(key, lastSeenAt, expiresAt, now, userId));
  }
  override replace(oldKey: string, newKey: string, record: SessionRecord, now: number) {
    return this.#count("replace", () => super.replace(oldKey, newKey, record, now));
  }
  override delete(key: string) {
    return this.#count("delete", () => super.delete(key));
  }
}

function idStorage(options: { maxAge?: number; secrets?: string[] } = {}) {
  const clock = fakeClock();
  const store = new CountingStore();
  const events: SessionEvent["type"][] = [];
  const storage = createSessionStorage({
    store,
    idleTimeout: 3600,
    touchInterval: 60,
    now: clock.now,
    onEvent: (e) => events.push(e.type),
    cookie: { secrets: options.secrets ?? [SECRET_A], ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge }) },
  });
  return { storage, store, clock, events };
}

/** A stored session's cookie, and the store's calls reset. */
async function stored(setup: ReturnType<typeof idStorage>) {
  const s = await setup.storage.read(null);
  s.set("n", 1);
  const cookie = cookiePair(await setup.storage.save(s));
  setup.store.calls = [];
  setup.events.length = 0;
  return cookie;
}

describe("engine, store backend", () => {
  test("a new session nobody changed is never written, and gets no cookie", async () => {
    const setup = idStorage();
    const s = await setup.storage.read(null);
    assert.equal(await setup.storage.save(s), null);
    assert.deepEqual(setup.store.calls, []);
  });

  test("a new session with a value is created once, with a cookie and a created event", async () => {
    const setup = idStorage();
    const s = await setup.storage.read(null);
    s.set("n", 1);
    assert.match((await setup.storage.save(s))!, /^__Host-session=S1\./);
    assert.deepEqual(setup.store.calls, ["create"]);
    assert.deepEqual(setup.events, ["created"]);
    s.set("n", 2);
    assert.equal(await setup.storage.save(s), null, "saved again in the same request: an update, nothing to re-send");
    assert.deepEqual(setup.store.calls, ["create", "update"]);
  });

  test("a session regenerated before it was ever stored is created under its new id, not replaced", async () => {
    const setup = idStorage();
    const s = await setup.storage.read(null);
    s.regenerateId();
    assert.ok(await setup.storage.save(s));
    assert.deepEqual(setup.store.calls, ["create"]);
    assert.deepEqual(setup.events, ["created"]);
  });

  test("an unchanged stored session with no touch due: no store call, no cookie", async () => {
    const setup = idStorage();
    const cookie = await stored(setup);
    const s = await setup.storage.read(cookie);
    assert.equal(await setup.storage.save(s), null);
    assert.deepEqual(setup.store.calls, []);
  });

  test("a touch is due after touchInterval: the store is touched, and the cookie re-sent only when it has a Max-Age", async () => {
    const session = idStorage();
    const cookie = await stored(session);
    session.clock.advance(61);
    assert.equal(await session.storage.save(await session.storage.read(cookie)), null, "a session cookie has no Max-Age to slide");
    assert.deepEqual(session.store.calls, ["touch"]);

    const persistent = idStorage({ maxAge: 3600 });
    const kept = await stored(persistent);
    persistent.clock.advance(61);
    assert.match((await persistent.storage.save(await persistent.storage.read(kept)))!, /Max-Age=3600/);
    assert.deepEqual(persistent.store.calls, ["touch"]);
  });

  test("a changed stored session is updated with its changes only", async () => {
    const setup = idStorage();
    const cookie = await stored(setup);
    const s = await setup.storage.read(cookie);
    s.set("m", 2);
    assert.equal(await setup.storage.save(s), null);
    assert.deepEqual(setup.store.calls, ["update"]);
    assert.deepEqual((await setup.storage.read(cookie)).entries(), [["n", 1], ["m", 2]]);
  });

  test("a cookie under an older secret is re-issued under the current one, with nothing written", async () => {
    const old = idStorage({ secrets: [SECRET_B] });
    const cookie = await stored(old);
    const rotated = createSessionStorage({ store: old.store, now: old.clock.now, cookie: { secrets: [SECRET_A, SECRET_B] } });
    const s = await rotated.read(cookie);
    assert.equal(s.get("n"), 1);
    const reissued = await rotated.save(s);
    assert.ok(reissued && cookiePair(reissued) !== cookie);
    assert.deepEqual(old.store.calls, []);
  });

  test("regenerateId() on a stored session replaces its record in one step, with a regenerated event", async () => {
    const setup = idStorage();
    const cookie = await stored(setup);
    const s = await setup.storage.read(cookie);
    s.regenerateId();
    const next = cookiePair(await setup.storage.save(s));
    assert.deepEqual(setup.store.calls, ["replace"]);
    assert.deepEqual(setup.events, ["regenerated"]);
    assert.equal((await setup.storage.read(cookie)).isNew, true, "the old id is gone");
    assert.equal((await setup.storage.read(next)).get("n"), 1);
  });

  test("a replace that finds the session ended writes nothing: save gives null, commitSession an expiring cookie", async () => {
    const setup = idStorage();
    const cookie = await stored(setup);
    const a = await setup.storage.read(cookie);
    const b = await setup.storage.read(cookie);
    const c = await setup.storage.read(cookie);
    await setup.storage.destroySession(a);
    b.regenerateId();
    assert.equal(await setup.storage.save(b), null);
    assert.equal(b.destroyed, true);
    c.regenerateId();
    assert.match(await setup.storage.commitSession(c), /Max-Age=0/);
    assert.deepEqual(setup.store.calls, ["delete", "replace", "replace"]);
  });

  test("destroying a regenerated session deletes the record under its old id", async () => {
    const setup = idStorage();
    const cookie = await stored(setup);
    const s = await setup.storage.read(cookie);
    s.regenerateId();
    s.destroy();
    assert.match((await setup.storage.save(s))!, /Max-Age=0/);
    assert.deepEqual(setup.store.calls, ["delete"]);
    assert.deepEqual(setup.events, ["destroyed"]);
    assert.equal((await setup.storage.read(cookie)).isNew, true);
  });

  test("destroying a session never stored deletes nothing and tells no event, but still clears the cookie", async () => {
    const setup = idStorage();
    const s = await setup.storage.read(null);
    assert.match(await setup.storage.destroySession(s), /Max-Age=0/);
    assert.deepEqual(setup.store.calls, []);
    assert.deepEqual(setup.events, []);
  });

  test("an update that finds the session ended writes nothing and leaves the client's cookie alone", async () => {
    const setup = idStorage();
    const cookie = await stored(setup);
    const a = await setup.storage.read(cookie);
    const b = await setup.storage.read(cookie);
    await setup.storage.destroySession(a);
    b.set("late", true);
    assert.equal(await setup.storage.save(b), null);
    assert.equal((await setup.storage.read(cookie)).isNew, true);
  });
});

describe("engine, cookie backend", () => {
  function cookieStorage() {
    const clock = fakeClock();
    const events: SessionEvent["type"][] = [];
    const storage = createCookieSessionStorage({ idleTimeout: 3600, touchInterval: 60, now: clock.now, onEvent: (e) => events.push(e.type), cookie: { secrets: [SECRET_A] } });
    return { storage, clock, events };
  }

  test("new and untouched: no cookie; changed: a cookie and a created event", async () => {
    const { storage, events } = cookieStorage();
    assert.equal(await storage.save(await storage.read(null)), null);
    const s = await storage.read(null);
    s.set("n", 1);
    assert.match((await storage.save(s))!, /^__Host-session=E1\./);
    assert.deepEqual(events, ["created"]);
  });

  test("unchanged before a touch is due: no cookie; after: a new cookie that slides the idle timeout", async () => {
    const { storage, clock } = cookieStorage();
    const s = await storage.read(null);
    s.set("n", 1);
    const cookie = cookiePair(await storage.save(s));
    assert.equal(await storage.save(await storage.read(cookie)), null);
    clock.advance(61);
    const touched = await storage.save(await storage.read(cookie));
    assert.ok(touched);
    clock.advance(3600 - 30);
    assert.equal((await storage.read(cookiePair(touched))).get("n"), 1, "alive: the touch moved last-seen forward");
    assert.equal((await storage.read(cookie)).isNew, true, "the untouched cookie is past its idle timeout");
  });

  test("regenerateId() re-issues the cookie with a regenerated event; destroy clears it with a destroyed event", async () => {
    const { storage, events } = cookieStorage();
    const s = await storage.read(null);
    s.set("n", 1);
    const cookie = cookiePair(await storage.save(s));
    events.length = 0;
    const t = await storage.read(cookie);
    t.regenerateId();
    assert.ok(await storage.save(t));
    assert.match(await storage.destroySession(await storage.read(cookie)), /Max-Age=0/);
    assert.deepEqual(events, ["regenerated", "destroyed"]);
  });

  test("commitSession always answers with a cookie, even for an unchanged session", async () => {
    const { storage } = cookieStorage();
    assert.match(await storage.commitSession(await storage.read(null)), /^__Host-session=E1\./);
  });
});

describe("engine, a cookie's Max-Age shorter than touchInterval", () => {
  /**
   * A user who makes a request every five minutes for an hour, to a storage whose cookie lives
   * 30 minutes and whose touch interval is an hour (the defaults' for a 14-day idle timeout): each
   * request sends the cookie the browser still holds (it drops one past its Max-Age); what did it see?
   */
  async function anHourOfUse(storage: SessionStorageLike, clock: ReturnType<typeof fakeClock>, change: boolean): Promise<string[]> {
    const first = await storage.read(null);
    first.set("user", "ann");
    let held = { pair: cookiePair(await storage.save(first)), until: clock.now() + 1800_000 };
    const seen: string[] = [];
    for (let minute = 5; minute <= 60; minute += 5) {
      clock.advance(300);
      const s = await storage.read(clock.now() < held.until ? held.pair : null);
      seen.push(String(s.get("user") ?? "anonymous"));
      if (change) s.set("minute", minute);
      const line = await storage.save(s);
      if (line) held = { pair: cookiePair(line), until: clock.now() + Number(/Max-Age=(\d+)/.exec(line)![1]) * 1000 };
    }
    return seen;
  }
  type SessionStorageLike = { read(cookie: string | null): Promise<any>; save(session: any): Promise<string | null> };
  const options = (clock: ReturnType<typeof fakeClock>) => ({ idleTimeout: 14 * 86400, now: clock.now, cookie: { secrets: [SECRET_A], maxAge: 1800 } });

  for (const change of [false, true]) {
    const what = change ? "each request changes the session" : "each request only reads it";
    test(`an active user keeps a cookie session: its cookie is re-issued before its Max-Age runs out (${what})`, async () => {
      const clock = fakeClock();
      assert.deepEqual(await anHourOfUse(createCookieSessionStorage(options(clock)), clock, change), Array(12).fill("ann"));
    });
    test(`an active user keeps an id session: its cookie is re-issued before its Max-Age runs out (${what})`, async () => {
      const clock = fakeClock();
      assert.deepEqual(await anHourOfUse(createSessionStorage({ store: new MemoryStore(), ...options(clock) }), clock, change), Array(12).fill("ann"));
    });
  }
});

describe("engine, an onEvent listener that fails", () => {
  for (const kind of ["throws", "returns a promise that rejects"] as const) {
    test(`a listener that ${kind} is reported with console.error, each time, and changes nothing: a tampered cookie is still a fresh session, a save still saves`, async (t) => {
      const error = t.mock.method(console, "error", () => {});
      const failure = new Error("the logger is down");
      const listener = kind === "throws" ? () => { throw failure; } : () => Promise.reject(failure);
      const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" }, onEvent: listener as () => void });
      const fresh = await storage.read("sid=E1.forged");
      assert.deepEqual([fresh.isNew, fresh.entries()], [true, []]);
      fresh.set("n", 1);
      const cookie = cookiePair(await storage.save(fresh));
      assert.equal((await storage.read(cookie)).get("n"), 1);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(error.mock.calls.map((c) => c.arguments), [
        ["tessera: onEvent failed on a rejected event, ignored", failure],
        ["tessera: onEvent failed on a created event, ignored", failure],
      ]);
    });
  }
});

describe("engine, a lifetime that no cookie carries", () => {
  for (const [what, options] of [
    ["maxAge 0", { cookie: { secrets: [SECRET_A], maxAge: 0 } }],
    ["header mode (no Max-Age goes out)", { cookie: { secrets: [SECRET_A], maxAge: 40 }, transport: { header: "x-session-token" } }],
  ] as const) {
    test(`${what}: reads within touchInterval touch nothing`, async () => {
      const clock = fakeClock();
      const store = new CountingStore();
      const storage = createSessionStorage({ store, idleTimeout: 3600, touchInterval: 60, now: clock.now, ...options });
      const s = await storage.read(null);
      s.set("n", 1);
      const token = (await storage.save(s))!;
      const presented = "transport" in options ? { headers: { "x-session-token": token } } : token.split(";")[0]!;
      store.calls = [];
      for (let i = 0; i < 50; i++) {
        clock.advance(1);
        await storage.save(await storage.read(typeof presented === "string" ? presented : new Request("http://x/", presented)));
      }
      assert.deepEqual(store.calls, []);
    });
  }
});
