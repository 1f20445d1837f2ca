import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair, fakeClock } from "../../../test/helpers.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { createRevocableCookieSessionStorage } from "../engine/revocable-cookie-storage.js";
import type { SessionEvent } from "../engine/events.js";
import { SessionConfigError, SessionStoreError } from "../errors.js";
import { MemoryRevocationStore } from "../stores/memory-revocation.js";
import type { RevocationStore } from "../stores/revocation-store.js";

type Data = { userId: string; note: string };

/** A revocation store that counts what it is asked, and can be taken down. */
class CountingStore implements RevocationStore {
  reads: string[][] = [];
  raises: Array<[string, number | undefined]> = [];
  incarnations = 0;
  down = false;
  constructor(readonly inner = new MemoryRevocationStore()) {}
  async generations(keys: readonly string[]) {
    this.reads.push([...keys]);
    if (this.down) throw new Error("ECONNREFUSED");
    return this.inner.generations(keys);
  }
  async raise(key: string, ttl: number | undefined) {
    this.raises.push([key, ttl]);
    if (this.down) throw new Error("ECONNREFUSED");
    return this.inner.raise(key, ttl);
  }
  async incarnation() {
    this.incarnations++;
    if (this.down) throw new Error("ECONNREFUSED");
    return this.inner.incarnation();
  }
}

/** A sign-in of `user` on `storage` (a regenerated session with the user set): its cookie. */
async function signInOn(storage: { read(cookie: string | null): Promise<any>; save(session: any): Promise<string | null> }, user: string): Promise<string> {
  const session = await storage.read(null);
  session.regenerateId();
  session.set("userId", user);
  return cookiePair(await storage.save(session));
}

/** A cookie signed in by a plain cookie storage (before revocation was turned on), and a revocable storage with the same secret. */
async function preRevocation() {
  const clock = fakeClock();
  const plain = createCookieSessionStorage<Data>({ cookie: { secrets: [SECRET_A] }, now: clock.now });
  const s = await plain.read(null);
  s.set("userId", "u1");
  const before = cookiePair(await plain.save(s));
  const a = createRevocableCookieSessionStorage<Data>({ cookie: { secrets: [SECRET_A] }, userKey: "userId", now: clock.now, revocation: { store: new MemoryRevocationStore() } });
  return { before, a };
}

function setup(options: { checkInterval?: number; onUnavailable?: "open" | "closed"; store?: CountingStore } = {}) {
  const clock = fakeClock();
  const store = options.store ?? new CountingStore(new MemoryRevocationStore({ now: clock.now }));
  const events: SessionEvent[] = [];
  const make = () =>
    createRevocableCookieSessionStorage<Data>({
      cookie: { secrets: [SECRET_A] },
      userKey: "userId",
      now: clock.now,
      revocation: { store, checkInterval: options.checkInterval ?? 10, onUnavailable: options.onUnavailable },
      onEvent: (e) => void events.push(e),
    });
  /** Two processes of one app: separate storages (separate caches) over one revocation store. */
  const a = make();
  const b = make();
  const signIn = (storage = a, user = "u1") => signInOn(storage, user);
  return { clock, store, events, a, b, signIn };
}

describe("revocable cookie sessions", () => {
  test("a session is accepted until destroyAllSessions, then refused: at once here, within checkInterval elsewhere", async () => {
    const { a, b, clock, signIn, events } = setup();
    const cookie = await signIn();
    assert.equal((await a.read(cookie)).get("userId"), "u1");
    assert.equal((await b.read(cookie)).get("userId"), "u1");
    await a.destroyAllSessions("u1");
    const here = await a.read(cookie);
    assert.equal(here.isNew, true);
    assert.equal(here.get("userId"), undefined);
    // b heard the old generation 0 s ago: it trusts it for checkInterval (the stated staleness).
    clock.advance(9);
    assert.equal((await b.read(cookie)).get("userId"), "u1");
    clock.advance(1);
    assert.equal((await b.read(cookie)).isNew, true);
    assert.deepEqual(
      events.filter((e) => e.type === "rejected").map((e) => e.reason),
      ["revoked", "revoked"],
    );
  });

  test("destroyAllSessions with except: the current session lives on, its cookie re-issued with the new generation", async () => {
    const { a, b, signIn } = setup();
    const phone = await signIn();
    const laptop = await signIn();
    const current = await a.read(laptop);
    await a.destroyAllSessions("u1", { except: current });
    const reissued = await a.save(current);
    assert.ok(reissued, "the kept session's cookie is re-issued");
    assert.equal((await a.read(cookiePair(reissued))).get("userId"), "u1");
    assert.equal((await b.read(cookiePair(reissued))).get("userId"), "u1");
    assert.equal((await a.read(phone)).isNew, true);
    // The cookie the laptop held before carries the old generation: refused too.
    assert.equal((await a.read(laptop)).isNew, true);
  });

  for (const order of ["regenerateId first", "destroyAllSessions first"] as const) {
    test(`destroyAllSessions with except and a regenerateId in the same request (${order}): the current session lives on under its new cookie`, async () => {
      const { a, b, signIn } = setup();
      const phone = await signIn();
      const laptop = await signIn();
      const current = await a.read(laptop);
      if (order === "regenerateId first") current.regenerateId();
      await a.destroyAllSessions("u1", { except: current });
      if (order === "destroyAllSessions first") current.regenerateId();
      const reissued = await a.save(current);
      assert.ok(reissued, "the kept session gets its new cookie");
      assert.equal((await a.read(cookiePair(reissued))).get("userId"), "u1");
      assert.equal((await b.read(cookiePair(reissued))).get("userId"), "u1");
      assert.equal((await a.read(phone)).isNew, true);
      assert.equal((await a.read(laptop)).isNew, true, "the cookie as it was read, under its old id, is refused");
    });
  }

  test("destroyAllSessions with the same except twice in one request (a regenerateId between them too) keeps that session", async () => {
    for (const between of [false, true]) {
      const { a, b, signIn } = setup();
      const current = await a.read(await signIn());
      await a.destroyAllSessions("u1", { except: current });
      if (between) current.regenerateId();
      await a.destroyAllSessions("u1", { except: current });
      const reissued = await a.save(current);
      assert.ok(reissued, `a cookie (regenerateId between: ${between})`);
      assert.equal((await b.read(cookiePair(reissued))).get("userId"), "u1", `regenerateId between: ${between}`);
    }
  });

  test("a sign-in with regenerateId({ keep: [] }), then destroyAllSessions with except, then the user set again keeps the session", async () => {
    const { a, b, signIn } = setup();
    const current = await a.read(await signIn());
    current.regenerateId({ keep: [] });
    await a.destroyAllSessions("u1", { except: current });
    current.set("userId", "u1");
    const reissued = await a.save(current);
    assert.ok(reissued);
    assert.equal((await b.read(cookiePair(reissued))).get("userId"), "u1");
  });

  test("of two requests of one browser, the one that read the cookie before the other regenerated it re-issues nothing (a revoked cookie would log the browser out)", async () => {
    const { a, clock, signIn } = setup();
    const cookie = await signIn();
    clock.advance(3);
    const [late, login] = [await a.read(cookie), await a.read(cookie)];
    login.regenerateId();
    const fresh = cookiePair(await a.save(login));
    clock.advance(30);
    late.set("note", "late"); // a change, or a touch that is due
    assert.equal(await a.save(late), null, "the browser keeps the new cookie");
    assert.equal((await a.read(fresh)).get("userId"), "u1");
  });

  test("destroyAllSessions with except keeps a cookie signed in before revocation was turned on, re-issued with the new generation", async () => {
    const { before, a } = await preRevocation();
    const current = await a.read(before);
    await a.destroyAllSessions("u1", { except: current });
    const reissued = await a.save(current);
    assert.equal((await a.read(cookiePair(reissued))).get("userId"), "u1");
    assert.equal((await a.read(before)).isNew, true);
  });

  test("with clockTolerance, a logout made on a process whose clock is ahead (by up to the tolerance) is kept as long as any process accepts the cookie", async () => {
    let t = Date.UTC(2026, 0, 1);
    const store = new MemoryRevocationStore({ now: () => t });
    const make = (ahead: number) =>
      createRevocableCookieSessionStorage<Data>({
        cookie: { secrets: [SECRET_A] },
        userKey: "userId",
        idleTimeout: 100,
        absoluteTimeout: 100,
        clockTolerance: 60,
        now: () => t + ahead,
        revocation: { store },
      });
    const [a, b] = [make(50_000), make(0)];
    const s = await b.read(null);
    s.regenerateId();
    s.set("userId", "u1");
    const cookie = cookiePair(await b.save(s));
    t += 10_000;
    await a.destroySession(await a.read(cookie));
    for (const at of [20, 105, 140, 159]) {
      t = Date.UTC(2026, 0, 1) + at * 1000;
      assert.equal((await b.read(cookie)).isNew, true, `${at} s after the sign-in, on b`);
    }
  });

  test("destroySession ends every copy of that cookie and no other session of the user", async () => {
    const { a, b, signIn, store } = setup();
    const stolen = await signIn();
    const other = await signIn();
    const session = await a.read(stolen);
    const cleared = await a.destroySession(session);
    assert.match(cleared, /Max-Age=0/);
    assert.equal((await a.read(stolen)).isNew, true);
    assert.equal((await b.read(stolen)).isNew, true, "b heard nothing of this session yet: it asks the store");
    assert.equal((await a.read(other)).get("userId"), "u1");
    // Kept until the session would have expired (30 days, the default absolute timeout).
    assert.deepEqual(store.raises.map(([key, ttl]) => [key.slice(0, 2), ttl]), [["s:", 30 * 86400]]);
  });

  test("a sign-in after destroyAllSessions is stamped with the new generation, on any process", async () => {
    const { a, b, signIn } = setup();
    const old = await signIn(a);
    assert.equal((await b.read(old)).get("userId"), "u1"); // b now heard generation 0
    await a.destroyAllSessions("u1");
    const fresh = await signIn(a);
    // b's cache says 0 but the cookie says 1: newer than what b heard, so b asks, and accepts.
    assert.equal((await b.read(fresh)).get("userId"), "u1");
    const again = await signIn(b);
    assert.equal((await a.read(again)).get("userId"), "u1");
  });

  test("regenerateId gives the session a new revocation id, and every copy of the cookie it had dies", async () => {
    const { a, b, signIn, store } = setup();
    const before = await signIn();
    assert.deepEqual(store.raises, [], "a sign-in from an anonymous session revokes nothing");
    const session = await a.read(before);
    session.regenerateId();
    const after = cookiePair(await a.save(session));
    assert.equal((await a.read(after)).get("userId"), "u1");
    assert.equal((await a.read(before)).isNew, true, "as an id storage's old id dies");
    assert.equal((await b.read(before)).isNew, true);
    await a.destroySession(await a.read(after));
    assert.equal((await a.read(after)).isNew, true);
  });

  test("signing out with regenerateId({ keep: [] }) ends the signed-in cookie wherever a copy of it is", async () => {
    const { a, b, signIn } = setup();
    const signedIn = await signIn();
    const s = await a.read(signedIn);
    s.regenerateId({ keep: [] });
    s.flash("note", "You are signed out.");
    const anonymous = cookiePair(await a.save(s));
    assert.equal((await a.read(anonymous)).get("note"), "You are signed out.");
    assert.equal((await b.read(signedIn)).isNew, true);
  });

  test("the store is asked at most once per checkInterval per user and session, however many requests", async () => {
    const { a, signIn, store, clock } = setup({ checkInterval: 30 });
    const cookie = await signIn();
    store.reads = [];
    store.incarnations = 0;
    for (let i = 0; i < 100; i++) {
      assert.equal((await a.read(cookie)).get("userId"), "u1");
      clock.advance(1);
    }
    // 100 seconds of requests: asked at 30 s, 60 s and 90 s (the sign-in at 0 s heard both generations and the incarnation).
    assert.equal(store.reads.length, 3);
    assert.equal(store.incarnations, 3);
    assert.ok(store.reads.every((keys) => keys.length === 2 && keys[0] === "u:u1" && keys[1]!.startsWith("s:")));
  });

  test("requests that arrive together ask the store once", async () => {
    const { b, signIn, store } = setup();
    const cookie = await signIn();
    store.reads = [];
    store.incarnations = 0;
    const sessions = await Promise.all(Array.from({ length: 20 }, () => b.read(cookie)));
    assert.ok(sessions.every((s) => s.get("userId") === "u1"));
    assert.equal(store.reads.length, 1);
    assert.equal(store.incarnations, 1);
  });

  test("an anonymous session costs the revocation store nothing", async () => {
    const { a, store } = setup();
    const s = await a.read(null);
    s.set("note", "cart");
    const cookie = cookiePair(await a.save(s));
    for (let i = 0; i < 5; i++) assert.equal((await a.read(cookie)).get("note"), "cart");
    assert.deepEqual(store.reads, []);
    assert.deepEqual(store.raises, []);
  });

  test("signing out by removing the user drops the stamp; signing in as another user stamps anew", async () => {
    const { a, signIn, store } = setup();
    const cookie = await signIn(a, "u1");
    const s = await a.read(cookie);
    s.set("userId", "u2");
    const asU2 = cookiePair(await a.save(s));
    await a.destroyAllSessions("u1");
    assert.equal((await a.read(asU2)).get("userId"), "u2", "a session now of u2 is not ended by u1's logout");
    const t = await a.read(asU2);
    t.unset("userId");
    const anonymous = cookiePair(await a.save(t));
    store.reads = [];
    await a.destroyAllSessions("u2");
    assert.equal((await a.read(anonymous)).isNew, false);
    assert.deepEqual(store.reads, []);
  });

  /** Signs in, logs out everywhere but this session, then the store loses everything: the cookie from before, and the one after. */
  async function lostStore(forward: { incarnation: boolean }) {
    const clock = fakeClock();
    let inner = new MemoryRevocationStore({ now: clock.now });
    const store: RevocationStore = { generations: (keys) => inner.generations(keys), raise: (key, ttl) => inner.raise(key, ttl) };
    if (forward.incarnation) store.incarnation = () => inner.incarnation();
    const storage = createRevocableCookieSessionStorage<Data>({ cookie: { secrets: [SECRET_A] }, userKey: "userId", now: clock.now, revocation: { store, checkInterval: 1 } });
    const first = await storage.read(null);
    first.set("userId", "u1");
    const revoked = cookiePair(await storage.save(first));
    await storage.destroyAllSessions("u1", { except: first });
    const kept = cookiePair((await storage.save(first))!);
    assert.equal((await storage.read(revoked)).isNew, true);
    inner = new MemoryRevocationStore({ now: clock.now }); // a store that lost everything
    clock.advance(2);
    return { storage, revoked, kept };
  }

  test("a store that lost its data (a new incarnation) refuses every cookie stamped before: nothing revoked comes back", async () => {
    const { storage, revoked, kept } = await lostStore({ incarnation: true });
    assert.equal((await storage.read(revoked)).isNew, true);
    assert.equal((await storage.read(kept)).isNew, true, "not revoked, but the store cannot tell: signed in again");
  });

  test("a store without incarnation() that lost a generation: the sessions stamped after it are refused, the revocation it held is forgotten (README)", async () => {
    const { storage, revoked, kept } = await lostStore({ incarnation: false });
    assert.equal((await storage.read(kept)).isNew, true, "stamped with generation 1, the store says 0: refused");
    assert.equal((await storage.read(revoked)).isNew, false, "stamped with 0, revoked, and the store forgot it");
  });

  test("a cookie signed in before revocation was turned on is accepted and re-issued with a stamp", async () => {
    const { before, a } = await preRevocation();
    const read = await a.read(before);
    assert.equal(read.get("userId"), "u1");
    const stamped = await a.save(read);
    assert.ok(stamped, "re-issued at once, so destroyAllSessions can reach it");
    await a.destroyAllSessions("u1");
    assert.equal((await a.read(cookiePair(stamped))).isNew, true);
    assert.equal((await a.read(before)).isNew, true, "the unstamped cookie itself: its user has been logged out everywhere since");
  });

  describe("what a concurrent or later request cannot undo", () => {
    test("regenerateId of a session revoked meanwhile issues nothing: a revoked cookie is never laundered into a new one", async () => {
      const { a, b, signIn } = setup();
      const cookie = await signIn();
      const s = await a.read(cookie); // read before the revocation
      await b.destroyAllSessions("u1"); // another request, another process
      s.regenerateId();
      assert.equal(await a.save(s), null);
      assert.equal(s.destroyed, true);
      const t = await a.read(cookie);
      t.regenerateId();
      assert.equal(t.isNew, true, "refused at read already");
    });

    test("a stolen copy, still accepted by a process within its interval, cannot be regenerated into a valid cookie", async () => {
      const { a, b, clock, signIn } = setup();
      const stolen = await signIn();
      assert.equal((await b.read(stolen)).get("userId"), "u1"); // b heard the generation
      await a.destroyAllSessions("u1");
      const s = await b.read(stolen);
      assert.equal(s.get("userId"), "u1", "b trusts what it heard for checkInterval, as documented");
      s.regenerateId();
      assert.equal(await b.save(s), null, "the regenerate asks the store, which knows");
      clock.advance(86_400);
      assert.equal((await b.read(stolen)).isNew, true);
    });

    test("a stolen copy, still accepted by a process within its interval, cannot be signed out and in again into a valid cookie", async () => {
      const { a, b, signIn } = setup();
      const stolen = await signIn();
      assert.equal((await b.read(stolen)).get("userId"), "u1");
      await a.destroyAllSessions("u1");
      const s = await b.read(stolen);
      assert.equal(s.get("userId"), "u1", "b trusts what it heard for checkInterval, as documented");
      s.clear();
      s.set("userId", "u1");
      assert.equal(await b.save(s), null, "a new stamp is minted from a read cookie only after the store vouched for it");
    });

    for (const regenerate of [false, true]) {
      test(`a stolen copy still accepted within the interval cannot be laundered as the except of destroyAllSessions${regenerate ? " with a regenerateId" : ""}`, async () => {
        const { a, b, clock, signIn } = setup();
        const stolen = await signIn();
        assert.equal((await a.read(stolen)).get("userId"), "u1"); // a heard the generation
        await b.destroyAllSessions("u1"); // the victim logs out everywhere, on b
        const s = await a.read(stolen);
        assert.equal(s.get("userId"), "u1", "a trusts what it heard for checkInterval, as documented");
        await a.destroyAllSessions("u1", { except: s }); // the thief: "sign out other devices", on a
        if (regenerate) s.regenerateId();
        const laundered = await a.save(s);
        clock.advance(60);
        assert.equal(laundered === null || (await b.read(cookiePair(laundered))).isNew, true, "no cookie that b accepts");
      });
    }

    test("a store that lost its data is asked for its incarnation with every ask: a revoked copy is not let back in within the interval", async () => {
      const clock = fakeClock();
      let store = new MemoryRevocationStore({ now: clock.now });
      // One process over a store whose data can be lost (a Redis restarted empty): a new inner store.
      const lossy: RevocationStore = { generations: (k) => store.generations(k), raise: (k, t) => store.raise(k, t), incarnation: () => store.incarnation() };
      const a = createRevocableCookieSessionStorage<Data>({ cookie: { secrets: [SECRET_A] }, userKey: "userId", now: clock.now, revocation: { store: lossy, checkInterval: 10 } });
      const signIn = (user: string) => signInOn(a, user);
      const stolen = await signIn("u1");
      const other = await signIn("u3");
      await a.destroyAllSessions("u1");
      assert.equal((await a.read(stolen)).isNew, true);
      clock.advance(10);
      // Another user's request asks the store: the incarnation is heard anew, u1's answer is 10 s old.
      assert.equal((await a.read(other)).get("userId"), "u3");
      store = new MemoryRevocationStore({ now: clock.now }); // the data is gone
      clock.advance(2);
      assert.equal((await a.read(stolen)).isNew, true, "refused: the store's new incarnation vouches for nothing from before");
      const fresh = await a.read(null);
      fresh.regenerateId();
      fresh.set("userId", "u2");
      const signedIn = cookiePair(await a.save(fresh));
      clock.advance(11);
      assert.equal((await a.read(signedIn)).get("userId"), "u2", "a sign-in after the loss is stamped with the new incarnation");
    });

    test("an answer the store gave before a revocation here never undoes it, for a request waiting on it or a later one", async () => {
      const clock = fakeClock();
      const inner = new MemoryRevocationStore({ now: clock.now });
      let release: (() => void) | undefined;
      const slow: RevocationStore = {
        generations: (keys) => {
          const answer = inner.generations(keys);
          return new Promise((r) => (release = () => r(answer)));
        },
        raise: (key, ttl) => inner.raise(key, ttl),
      };
      const make = () => createRevocableCookieSessionStorage<Data>({ cookie: { secrets: [SECRET_A] }, userKey: "userId", now: clock.now, revocation: { store: slow } });
      const [a, b] = [make(), make()];
      const s = await a.read(null);
      s.set("userId", "u1");
      const turn = () => new Promise((r) => setImmediate(r));
      const gen0 = a.save(s); // the sign-in asks the store
      await turn();
      release!();
      const cookie = cookiePair(await gen0);
      const first = b.read(cookie); // b asks; the store answers [0, 0], slowly
      await turn();
      await b.destroyAllSessions("u1");
      const second = b.read(cookie); // joins the ask in flight
      release!();
      assert.equal((await second).isNew, true);
      assert.equal((await first).isNew, true, "the answer is older than the raise made here meanwhile");
      clock.advance(5);
      assert.equal((await b.read(cookie)).isNew, true);
    });

    test("a raise here is not undone by an older answer even when a small cache has dropped it meanwhile", async () => {
      const clock = fakeClock();
      const inner = new MemoryRevocationStore({ now: clock.now });
      let held: (() => void) | undefined;
      let hold = false;
      const slow: RevocationStore = {
        generations: async (keys) => {
          const answer = inner.generations(keys); // the store answers now, the reply arrives late
          if (hold) await new Promise<void>((r) => ((held = r), (hold = false)));
          return answer;
        },
        raise: (key, ttl) => inner.raise(key, ttl),
      };
      const a = createRevocableCookieSessionStorage<Data>({ cookie: { secrets: [SECRET_A] }, userKey: "userId", now: clock.now, revocation: { store: slow, cacheSize: 2 } });
      const signIn = (user: string) => signInOn(a, user);
      const cookie = await signIn("u1");
      const toLogOut = await a.read(cookie);
      clock.advance(11);
      hold = true;
      const inFlight = a.read(cookie); // its answer, [0, 0], arrives after the logout below
      await new Promise((r) => setImmediate(r));
      await a.destroySession(toLogOut);
      await signIn("u2"); // two more answers in a cache of two: the raise's entry goes
      held!();
      await inFlight;
      assert.equal((await a.read(cookie)).isNew, true, "the logout made here holds");
    });

    test("a store that throws at once is asked again next time, never stuck with that failure", async () => {
      const clock = fakeClock();
      const inner = new MemoryRevocationStore({ now: clock.now });
      let fail = false;
      const flaky: RevocationStore = {
        generations: (keys) => {
          if (fail) throw new Error("down");
          return inner.generations(keys);
        },
        raise: (key, ttl) => inner.raise(key, ttl),
      };
      const make = () => createRevocableCookieSessionStorage<Data>({ cookie: { secrets: [SECRET_A] }, userKey: "userId", now: clock.now, revocation: { store: flaky, onUnavailable: "open" } });
      const [a, b] = [make(), make()];
      const s = await a.read(null);
      s.set("userId", "u1");
      const cookie = cookiePair(await a.save(s));
      assert.equal((await b.read(cookie)).get("userId"), "u1");
      clock.advance(11);
      fail = true;
      assert.equal((await b.read(cookie)).get("userId"), "u1", "open: heard 11 s ago, within twice the interval");
      fail = false;
      await a.destroyAllSessions("u1");
      assert.equal((await b.read(cookie)).isNew, true, "asked again, and told");
    });

    test("signing out without destroy (unset the user, clear()) or switching user ends the cookie as it was", async () => {
      for (const change of [(s: any) => s.unset("userId"), (s: any) => s.clear(), (s: any) => s.set("userId", "u2")]) {
        const { a, b, signIn } = setup();
        const before = await signIn();
        const s = await a.read(before);
        change(s);
        s.set("note", "after");
        await a.save(s);
        assert.equal((await b.read(before)).isNew, true, String(change));
      }
    });

    test('"open" during an outage: a stamp newer than what this process heard is a SessionStoreError, never "revoked"', async () => {
      const { a, b, signIn, store } = setup({ onUnavailable: "open" });
      const cookie = await signIn();
      assert.equal((await b.read(cookie)).get("userId"), "u1"); // b heard generation 0
      const current = await a.read(cookie);
      await a.destroyAllSessions("u1", { except: current });
      const kept = cookiePair((await a.save(current))!);
      store.down = true;
      await assert.rejects(b.read(kept), SessionStoreError);
    });

    test("destroyAllSessions refuses an except that is no session before it revokes anything", async () => {
      const { a, signIn, store } = setup();
      await signIn();
      await assert.rejects(a.destroyAllSessions("u1", { except: {} as never }), /option except must be a session read from this storage, got object/);
      assert.deepEqual(store.raises, []);
    });
  });

  test("a sign-in saved without the userKey value says so once, naming the keys and a near match; a sign-out says nothing", async (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    const { a } = setup();
    for (let i = 0; i < 2; i++) {
      const s = await a.read(null);
      s.regenerateId();
      s.set("userID" as never, "ann" as never);
      await a.save(s);
    }
    assert.equal(warn.mock.callCount(), 1);
    assert.equal(
      warn.mock.calls[0]!.arguments[0],
      'tessera: a regenerated session was saved without "userId" (the storage\'s userKey) in its data, so destroyAllSessions() will not find it. ' +
        'Its keys: userID. Did you mean userKey: "userID"?',
    );
    const quiet = setup();
    const out = await quiet.a.read(await quiet.signIn());
    out.regenerateId({ keep: [] });
    out.flash("note" as never, "bye" as never);
    await quiet.a.save(out);
    assert.equal(warn.mock.callCount(), 1);
  });

  describe("when the revocation store is down", () => {
    test('onUnavailable "closed" (the default): a signed-in read fails with SessionStoreError, an anonymous one does not', async () => {
      const { a, signIn, store, clock } = setup();
      const cookie = await signIn();
      const anon = await a.read(null);
      anon.set("note", "x");
      const anonCookie = cookiePair(await a.save(anon));
      store.down = true;
      assert.equal((await a.read(cookie)).get("userId"), "u1", "heard 0 s ago: still trusted");
      clock.advance(10);
      await assert.rejects(a.read(cookie), (e: unknown) => e instanceof SessionStoreError && e.message === "revocation store generations failed");
      assert.equal((await a.read(anonCookie)).get("note"), "x");
      await assert.rejects(a.destroyAllSessions("u1"), SessionStoreError);
      await assert.rejects(signIn(), SessionStoreError);
    });

    test('onUnavailable "open": what was heard is used for one more checkInterval, then it is closed too', async () => {
      const { a, b, signIn, store, clock } = setup({ onUnavailable: "open" });
      const cookie = await signIn();
      assert.equal((await a.read(cookie)).get("userId"), "u1");
      store.down = true;
      clock.advance(15);
      assert.equal((await a.read(cookie)).get("userId"), "u1", "heard 15 s ago, within twice the interval");
      await assert.rejects(b.read(cookie), SessionStoreError, "b never heard of this session: nothing to go on");
      clock.advance(5);
      await assert.rejects(a.read(cookie), SessionStoreError);
    });
  });

  describe("options", () => {
    const store = new MemoryRevocationStore();
    const cookie = { secrets: [SECRET_A] };
    const refuses = (options: object, message: RegExp) =>
      assert.throws(() => createRevocableCookieSessionStorage({ cookie, userKey: "userId", ...options } as never), (e: unknown) => e instanceof SessionConfigError && message.test(e.message));

    test("need createRevocableCookieSessionStorage, userKey, a store with generations and raise, and sane numbers", () => {
      assert.throws(() => createRevocableCookieSessionStorage({ cookie, revocation: { store } } as never), /revocation needs the userKey option/);
      assert.throws(
        () => createCookieSessionStorage({ cookie, revocation: { store } } as never),
        (e: unknown) => e instanceof SessionConfigError && e.message === "option revocation: a revocable cookie storage is made with createRevocableCookieSessionStorage",
      );
      refuses({ revocation: { store: {} } }, /^option revocation.store is invalid/);
      refuses({ revocation: { store: null } }, /^option revocation.store is invalid/);
      refuses({ revocation: { store, checkInterval: 0 } }, /^option revocation.checkInterval is invalid: 0; use a whole number from 1 to 86400$/);
      refuses({ revocation: { store, checkInterval: 1.5 } }, /^option revocation.checkInterval is invalid/);
      refuses({ revocation: { store, cacheSize: -1 } }, /^option revocation.cacheSize is invalid/);
      refuses({ revocation: { store, onUnavailable: "maybe" } }, /^option revocation.onUnavailable is invalid: "maybe"; use "closed" or "open"$/);
    });

    test("a store that answers nonsense is a SessionStoreError, never a session let in", async () => {
      const bad: RevocationStore = { generations: () => [-1, 0], raise: () => 1 };
      const storage = createRevocableCookieSessionStorage<Data>({ cookie, userKey: "userId", revocation: { store: bad } });
      const s = await storage.read(null);
      s.set("userId", "u1");
      await assert.rejects(storage.save(s), (e: unknown) => e instanceof SessionStoreError && /generations/.test(e.message));
      const wrongCount: RevocationStore = { generations: () => [], raise: () => 0 };
      const other = createRevocableCookieSessionStorage<Data>({ cookie, userKey: "userId", revocation: { store: wrongCount } });
      const t = await other.read(null);
      t.set("userId", "u1");
      await assert.rejects(other.save(t), SessionStoreError);
      await assert.rejects(other.destroyAllSessions("u1"), (e: unknown) => e instanceof SessionStoreError && e.message === "revocation store raise failed");
    });

    test("an incarnation that is not a short token is a SessionStoreError, never a session let in", async () => {
      for (const answer of ["", 7, null, "x".repeat(65), "a b"]) {
        const bad: RevocationStore = { generations: () => [0], raise: () => 1, incarnation: () => answer as never };
        const storage = createRevocableCookieSessionStorage<Data>({ cookie, userKey: "userId", revocation: { store: bad } });
        const s = await storage.read(null);
        s.set("userId", "u1");
        await assert.rejects(storage.save(s), (e: unknown) => e instanceof SessionStoreError && e.message === "revocation store incarnation failed", String(answer));
      }
    });

    test("the stamp is tessera's: a handler cannot set it, and entries() never shows it", async () => {
      const { a, signIn } = setup();
      const s = await a.read(await signIn());
      assert.throws(() => s.set("__rev__" as never, "x" as never), /reserved for the revocation stamp/);
      assert.deepEqual(s.entries(), [["userId", "u1"]]);
    });
  });
});
