/**
 * The store conformance suite: one set of behaviour checks that every
 * `SessionStore` passes unchanged. A new store is a new file plus one line:
 *
 *   runConformance("my store", async () => ({ store: new MyStore(), dump }));
 *
 * Each check is also exported on its own, so a test can prove the suite fails
 * on a deliberately broken store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import { createSessionStorage, type IdSessionStorage } from "../src/lib/engine/id-storage.js";
import { SessionStoreError } from "../src/lib/errors.js";
import { recordDevice } from "../src/lib/session/device.js";
import { requireRecentAuth } from "../src/lib/session/step-up.js";
import type { SessionStore } from "../src/lib/stores/store.js";
import { SECRET_A, cookiePair, fakeClock } from "./helpers.js";

export interface StoreFixture {
  store: SessionStore;
  /** Everything the store holds, as text (to prove no plaintext id is kept). */
  dump?: () => Promise<string>;
  close?: () => Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

type Calls = Record<string, string[][]>;

/** Wraps a store, recording every call and its arguments. */
function spy(store: SessionStore): { store: SessionStore; calls: Calls; count: (m: string) => number } {
  const calls: Calls = {};
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        (calls[String(prop)] ??= []).push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))));
        return v.apply(target, args);
      };
    },
  });
  return { store: wrapped, calls, count: (m) => calls[m]?.length ?? 0 };
}

/** The real store, with `step` run after each of its listings returns, before the caller sees it. */
function afterListing(store: SessionStore, step: () => Promise<void>): SessionStore {
  return new Proxy(store, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      if (prop !== "listByUser") return v.bind(target);
      return async (...args: unknown[]) => {
        const rows = await v.apply(target, args);
        await step();
        return rows;
      };
    },
  });
}

async function setup(make: StoreFactory, options: { idleTimeout?: number; absoluteTimeout?: number; touchInterval?: number } = {}) {
  const fixture = await make();
  const clock = fakeClock();
  const s = spy(fixture.store);
  const storage: IdSessionStorage = createSessionStorage({
    store: s.store,
    cookie: { secrets: [SECRET_A], name: "sid" },
    now: clock.now,
    userKey: "userId",
    idleTimeout: options.idleTimeout ?? 3600,
    absoluteTimeout: options.absoluteTimeout ?? 86400,
    touchInterval: options.touchInterval ?? 60,
  });
  /** One request: read the cookie, let `fn` change the session, save; the next cookie to send. */
  async function request(cookie: string | null, fn: (s: Awaited<ReturnType<typeof storage.read>>) => void = () => {}) {
    const session = await storage.read(cookie);
    fn(session);
    const setCookie = await storage.save(session);
    return { session, setCookie, cookie: setCookie && !/Max-Age=0/.test(setCookie) ? cookiePair(setCookie) : cookie };
  }
  return { fixture, clock, spy: s, storage, request, [Symbol.asyncDispose]: async () => fixture.close?.() };
}

async function using<T>(make: StoreFactory, options: Parameters<typeof setup>[1], fn: (ctx: Awaited<ReturnType<typeof setup>>) => Promise<T>): Promise<T> {
  const ctx = await setup(make, options);
  try {
    return await fn(ctx);
  } finally {
    await ctx.fixture.close?.();
  }
}

export const checks: Record<string, (make: StoreFactory) => Promise<void>> = {
  "a session round-trips its values": (make) =>
    using(make, {}, async ({ request }) => {
      const first = await request(null, (s) => {
        s.set("name", "Zoë");
        s.set("cart", [1, { sku: "x" }]);
      });
      assert.match(first.setCookie!, /^sid=S1\./);
      const second = await request(first.cookie);
      assert.equal(second.session.isNew, false);
      assert.equal(second.session.get("name"), "Zoë");
      assert.deepEqual(second.session.get("cart"), [1, { sku: "x" }]);
      assert.equal(second.setCookie, null, "an unchanged session sends no cookie");
    }),

  "a flash value is visible on the next request only": (make) =>
    using(make, {}, async ({ request }) => {
      const a = await request(null, (s) => s.flash("notice", "saved"));
      const b = await request(a.cookie, (s) => {
        assert.equal(s.get("notice"), "saved");
        assert.equal(s.get("notice"), "saved", "every read in the next request");
      });
      const c = await request(b.cookie);
      assert.equal(c.session.get("notice"), undefined);
      assert.equal(c.session.has("notice"), false);
    }),

  "of concurrent requests, exactly one sees a flash value": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const a = await request(null, (s) => {
        s.set("user", "ann");
        s.flash("notice", "saved");
      });
      const sessions = await Promise.all(Array.from({ length: 8 }, () => storage.read(a.cookie)));
      assert.deepEqual(
        sessions.map((s) => s.get("notice") ?? null).sort(),
        ["saved", null, null, null, null, null, null, null].sort(),
        "shown once",
      );
      assert.ok(sessions.every((s) => s.get("user") === "ann"), "every request still has the session");
      await Promise.all(sessions.map((s) => storage.save(s)));
      assert.equal((await request(a.cookie)).session.get("notice"), undefined, "and gone after");
    }),

  "a flash set while another request shows the previous one is kept for the next request": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const a = await request(null, (s) => s.flash("notice", "first"));
      const showing = await storage.read(a.cookie);
      assert.equal(showing.get("notice"), "first");
      await request(a.cookie, (s) => s.flash("notice", "second"));
      showing.set("seen", true);
      await storage.save(showing);
      const next = await request(a.cookie);
      assert.equal(next.session.get("notice"), "second");
      assert.equal(next.session.get("seen"), true);
    }),

  "regenerateId gives a new id, keeps the data, and kills the old id": (make) =>
    using(make, {}, async ({ request, spy }) => {
      const before = await request(null, (s) => s.set("cart", 3));
      const oldId = before.session.id;
      const login = await request(before.cookie, (s) => {
        s.regenerateId();
        s.set("userId", "u1");
      });
      assert.notEqual(login.session.id, oldId);
      assert.notEqual(login.cookie, before.cookie);
      const after = await request(login.cookie);
      assert.equal(after.session.get("cart"), 3);
      assert.equal(after.session.get("userId"), "u1");
      const replay = await request(before.cookie);
      assert.equal(replay.session.isNew, true, "the pre-login cookie is dead");
      assert.equal(spy.count("replace"), 1, "one atomic replace");
    }),

  "regenerateId({ keep }) drops every other pre-login value": (make) =>
    using(make, {}, async ({ request }) => {
      const before = await request(null, (s) => {
        s.set("_csrf", "planted");
        s.set("cart", [1]);
      });
      const login = await request(before.cookie, (s) => s.regenerateId({ keep: ["cart"] }));
      const after = await request(login.cookie);
      assert.equal(after.session.get("_csrf"), undefined);
      assert.deepEqual(after.session.get("cart"), [1]);
    }),

  "a destroyed session's cookie, replayed, is a fresh session": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const a = await request(null, (s) => s.set("userId", "u1"));
      const session = await storage.read(a.cookie);
      const cleared = await storage.destroySession(session);
      assert.equal(cleared, "sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax");
      const replay = await request(a.cookie);
      assert.equal(replay.session.isNew, true);
      assert.equal(replay.session.get("userId"), undefined);
    }),

  "a session unused for idleTimeout is gone": (make) =>
    using(make, { idleTimeout: 600, touchInterval: 60 }, async ({ request, clock }) => {
      const a = await request(null, (s) => s.set("v", 1));
      clock.advance(599);
      assert.equal((await request(a.cookie)).session.get("v"), 1);
      clock.advance(599);
      assert.equal((await request(a.cookie)).session.get("v"), 1, "the previous request slid the expiry");
      clock.advance(601);
      assert.equal((await request(a.cookie)).session.isNew, true);
    }),

  "activity never extends a session past absoluteTimeout": (make) =>
    using(make, { idleTimeout: 600, absoluteTimeout: 1800, touchInterval: 60 }, async ({ request, clock }) => {
      const a = await request(null, (s) => s.set("v", 1));
      for (let t = 0; t < 3; t++) {
        clock.advance(590);
        assert.equal((await request(a.cookie)).session.get("v"), 1, `at ${(t + 1) * 590} s`);
      }
      clock.advance(31);
      assert.equal((await request(a.cookie)).session.isNew, true);
    }),

  "reading within touchInterval writes nothing; after it, one touch and no data rewrite": (make) =>
    using(make, { touchInterval: 300 }, async ({ request, clock, spy }) => {
      const a = await request(null, (s) => s.set("v", 1));
      clock.advance(60);
      await request(a.cookie);
      clock.advance(60);
      await request(a.cookie);
      assert.equal(spy.count("update") + spy.count("touch"), 0);
      clock.advance(300);
      await request(a.cookie);
      assert.equal(spy.count("touch"), 1);
      assert.equal(spy.count("update"), 0);
      assert.equal(spy.count("create"), 1);
    }),

  "an unknown id is never adopted and reading creates no record": (make) =>
    using(make, {}, async ({ request, storage, spy }) => {
      const forged = cookiePair(await storage.cookie.serialize("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
      const r = await request(forged);
      assert.equal(r.session.isNew, true);
      assert.notEqual(r.session.id, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
      assert.equal(r.setCookie, null);
      assert.equal(spy.count("create"), 0);
      const written = await request(forged, (s) => s.set("a", 1));
      assert.notEqual(written.cookie, forged, "a write gets a new id, never the one offered");
    }),

  "an untouched new session is never written": (make) =>
    using(make, {}, async ({ request, spy }) => {
      for (let i = 0; i < 1000; i++) assert.equal((await request(null, (s) => s.get("x"))).setCookie, null);
      assert.equal(spy.count("create") + spy.count("get"), 0);
    }),

  "100 concurrent pairs changing different keys lose nothing": (make) =>
    using(make, {}, async ({ request }) => {
      const a = await request(null, (s) => s.set("base", 0));
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => [
          request(a.cookie, (s) => s.set(`a${i}`, i)),
          request(a.cookie, (s) => s.set(`b${i}`, i)),
        ]).flat(),
      );
      const final = await request(a.cookie);
      const missing = Array.from({ length: 100 }, (_, i) => [`a${i}`, `b${i}`]).flat().filter((k) => final.session.get(k) === undefined);
      assert.deepEqual(missing, []);
    }),

  "a save after another request destroyed the session does not bring it back": (make) =>
    using(make, {}, async ({ request, storage, spy }) => {
      const a = await request(null, (s) => s.set("userId", "u1"));
      const inFlight = await storage.read(a.cookie);
      await storage.destroySession(await storage.read(a.cookie));
      inFlight.set("late", true);
      const setCookie = await storage.save(inFlight);
      assert.equal(setCookie, null, "no cookie: the client keeps what the other request left it");
      assert.equal((await request(a.cookie)).session.isNew, true, "and its old cookie opens nothing");
      assert.equal(spy.count("create"), 1);
    }),

  "L1: a regenerate of a session that another request logged out creates nothing": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const a = await request(null, (s) => s.set("userId", "U"));
      const inFlight = await storage.read(a.cookie);
      await storage.destroySession(await storage.read(a.cookie));
      inFlight.regenerateId();
      inFlight.set("role", "admin");
      assert.equal(await storage.save(inFlight), null, "no cookie: no live session comes out of it");
      assert.equal(inFlight.destroyed, true);
      assert.equal(inFlight.get("userId"), undefined, "and the request sees it ended");
      assert.deepEqual(await storage.listSessions("U"), []);
      assert.equal((await request(a.cookie)).session.isNew, true);
    }),

  "L1: a regenerate of a session revoked by destroyAllSessions or destroyUserSession creates nothing": (make) =>
    using(make, {}, async ({ request, storage }) => {
      for (const revoke of ["all", "one"] as const) {
        const a = await request(null, (s) => s.set("userId", "U"));
        const inFlight = await storage.read(a.cookie);
        if (revoke === "all") assert.equal(await storage.destroyAllSessions("U"), 1);
        else assert.equal(await storage.destroyUserSession("U", (await storage.listSessions("U"))[0]!.handle), true);
        inFlight.regenerateId();
        assert.equal(await storage.commitSession(inFlight), "sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax");
        assert.deepEqual(await storage.listSessions("U"), [], `after ${revoke}`);
      }
    }),

  "L2: a login whose new record cannot be written leaves the old session untouched": (make) =>
    using(make, {}, async ({ request, fixture, clock }) => {
      const a = await request(null, (s) => {
        s.set("cart", [1, 2]);
        s.set("userId", "U");
      });
      const refusing = new Proxy(fixture.store, {
        get(target, prop) {
          if (prop === "replace") return () => Promise.reject(new Error("disk full"));
          const v = Reflect.get(target, prop);
          return typeof v === "function" ? v.bind(target) : v;
        },
      });
      const storage = createSessionStorage({ store: refusing, cookie: { secrets: [SECRET_A], name: "sid" }, userKey: "userId", now: clock.now });
      const login = await storage.read(a.cookie);
      assert.equal(login.isNew, false);
      login.regenerateId();
      await assert.rejects(storage.save(login), (e: unknown) => e instanceof SessionStoreError && e.message === "session store replace failed");
      const again = await storage.read(a.cookie);
      assert.deepEqual(again.get("cart"), [1, 2], "the old cookie still opens the old session");
      assert.equal((await storage.listSessions("U")).length, 1);
    }),

  "regenerateId on a new session already saved in this request issues the new id": (make) =>
    using(make, {}, async ({ storage, request }) => {
      const s = await storage.read(null);
      s.set("cart", [1]);
      const first = await storage.save(s);
      assert.ok(first);
      s.regenerateId();
      s.set("userId", "U");
      const second = await storage.save(s);
      assert.ok(second && second !== first, "a new cookie");
      assert.equal(s.destroyed, false);
      const next = await request(cookiePair(second));
      assert.equal(next.session.get("userId"), "U");
      assert.deepEqual(next.session.get("cart"), [1]);
      assert.equal((await request(cookiePair(first))).session.isNew, true, "the first id is dead");
      assert.equal((await storage.listSessions("U")).length, 1);
    }),

  "a session of 10,000 keys and one with a 1 MB value create, update, regenerate and read back": (make) =>
    using(make, {}, async ({ request }) => {
      const many = await request(null, (s) => {
        for (let i = 0; i < 10_000; i++) s.set(`k${i}`, i);
      });
      const updated = await request(many.cookie, (s) => s.set("k10000", 10_000));
      const login = await request(updated.cookie, (s) => s.regenerateId());
      const back = await request(login.cookie);
      assert.equal(back.session.entries().length, 10_001);
      assert.equal(back.session.get("k9999"), 9999);
      assert.equal(back.session.get("k10000"), 10_000);
      const big = "x".repeat(1024 * 1024);
      const one = await request(null, (s) => s.set("big", big));
      const oneLogin = await request(one.cookie, (s) => {
        s.regenerateId();
        s.set("more", big);
      });
      const oneBack = await request(oneLogin.cookie);
      assert.equal(oneBack.session.get("big"), big);
      assert.equal(oneBack.session.get("more"), big);
    }),

  "a lifetime set for one session is kept for every re-issue of its cookie": (make) =>
    using(make, { idleTimeout: 86400, absoluteTimeout: 30 * 86400, touchInterval: 60 }, async ({ request, storage, clock }) => {
      const s = await storage.read(null);
      s.set("userId", "U");
      const first = await storage.commitSession(s, { maxAge: 7 * 86400 });
      assert.match(first, /; Max-Age=86400;/, "capped at the session's own expiry");
      clock.advance(120);
      const touched = await request(cookiePair(first));
      assert.match(touched.setCookie ?? "", /; Max-Age=86400;/, "the touch re-sends it, though cookie.maxAge is unset");
      const remembered = await request(touched.cookie, (x) => assert.equal(x.maxAge, 7 * 86400));
      remembered.session.setMaxAge(null);
      clock.advance(120);
      assert.doesNotMatch((await storage.commitSession(remembered.session)), /Max-Age/, "null goes back to a browser-session cookie");
    }),

  "a request that never reads a flash value leaves it for the one that does": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const a = await request(null, (s) => {
        s.set("user", "ann");
        s.flash("notice", "saved");
      });
      const favicon = await request(a.cookie);
      assert.equal(favicon.setCookie, null);
      const busy = await storage.read(a.cookie);
      busy.set("seen", 1);
      await storage.save(busy);
      const page = await request(a.cookie, (s) => assert.equal(s.get("notice"), "saved"));
      assert.equal(page.session.get("notice"), "saved", "every read in that request");
      assert.equal((await request(a.cookie)).session.get("notice"), undefined, "then gone");
      assert.equal((await request(a.cookie)).session.get("seen"), 1);
    }),

  "L10: destroyAllSessions keeps the session signed in during this very request": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const other = await request(null, (s) => s.set("userId", "U"));
      for (const how of ["new", "regenerated"] as const) {
        const before = await request(null, (s) => s.set("cart", 1));
        const s = await storage.read(how === "new" ? null : before.cookie);
        if (how === "regenerated") s.regenerateId();
        s.set("userId", "U");
        const cookie = await storage.save(s);
        const listed = await storage.listSessions("U", { current: s });
        assert.equal(listed.filter((x) => x.current).length, 1, `${how}: listed as current`);
        await storage.destroyAllSessions("U", { except: s });
        assert.equal((await request(cookiePair(cookie))).session.get("userId"), "U", `${how}: still signed in`);
        assert.equal((await storage.listSessions("U")).length, 1);
      }
      assert.equal((await request(other.cookie)).session.isNew, true, "the other device is signed out");
      await assert.rejects(storage.destroyAllSessions("U", { except: "abc" as never }), (e: unknown) => e instanceof TypeError && /option except must be a session/.test((e as Error).message));
    }),

  "a user's sessions are listed and revoked; other users' are untouched": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const u = [];
      for (let i = 0; i < 3; i++) u.push(await request(null, (s) => s.set("userId", "U")));
      const v = await request(null, (s) => s.set("userId", "V"));
      const current = await storage.read(u[0]!.cookie);
      const listed = await storage.listSessions("U", { current });
      assert.equal(listed.length, 3);
      assert.deepEqual(listed.map((x) => x.current).sort(), [false, false, true]);
      const text = JSON.stringify(listed);
      for (const r of u) assert.ok(!text.includes(r.session.id), "a listing never shows a session id");
      assert.equal(await storage.destroyAllSessions("U", { except: current }), 2);
      assert.equal((await request(u[0]!.cookie)).session.get("userId"), "U");
      assert.equal((await request(u[1]!.cookie)).session.isNew, true);
      assert.equal((await request(u[2]!.cookie)).session.isNew, true);
      assert.equal((await request(v.cookie)).session.get("userId"), "V");
      const [only] = await storage.listSessions("U");
      assert.equal(await storage.destroyUserSession("U", only!.handle), true);
      assert.equal((await request(u[0]!.cookie)).session.isNew, true);
      assert.deepEqual(await storage.listSessions("U"), []);
      assert.equal((await storage.listSessions("V")).length, 1);
    }),

  "destroyUserSession of a session regenerated between its listing and its delete says false; the new session is another handle": async (make) => {
    const fixture = await make();
    try {
      // The real store, with one step run right after a listing returns: the user's other device signs in again.
      let between: (() => Promise<void>) | undefined;
      const store = afterListing(fixture.store, async () => {
        const step = between;
        between = undefined;
        await step?.();
      });
      const storage = createSessionStorage({ store, cookie: { secrets: [SECRET_A], name: "sid" }, userKey: "userId" });
      const first = await storage.read(null);
      first.set("userId", "U");
      const cookie = cookiePair(await storage.save(first));
      const [listed] = await storage.listSessions("U");
      let again = "";
      between = async () => {
        const s = await storage.read(cookie);
        s.regenerateId();
        again = cookiePair(await storage.save(s));
      };
      assert.equal(await storage.destroyUserSession("U", listed!.handle), false, "nothing was signed out");
      assert.equal((await storage.read(again)).get("userId"), "U");
      const [now] = await storage.listSessions("U");
      assert.notEqual(now!.handle, listed!.handle);
      assert.equal(await storage.destroyUserSession("U", now!.handle), true);
      assert.equal((await storage.read(again)).isNew, true);
    } finally {
      await fixture.close?.();
    }
  },

  "a session that changes owner moves between user listings": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const a = await request(null, (s) => s.set("userId", "U"));
      await request(a.cookie, (s) => s.set("userId", "W"));
      assert.equal((await storage.listSessions("U")).length, 0);
      assert.equal((await storage.listSessions("W")).length, 1);
      await request(a.cookie, (s) => s.unset("userId"));
      assert.equal((await storage.listSessions("W")).length, 0);
    }),

  "hostile ids never reach the store": (make) =>
    using(make, {}, async ({ request, storage, spy }) => {
      const hostile = ["../x", "..\\x", "/etc/passwd", "%2e%2e%2f", "' OR 1=1--", "a*", "[a-z]?", "x\u0000y", "x".repeat(1_000_000), "", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/"];
      for (const id of hostile) {
        let cookie: string;
        try {
          cookie = cookiePair(await storage.cookie.serialize(id));
        } catch {
          continue; // too large to be a cookie at all
        }
        const r = await request(cookie);
        assert.equal(r.session.isNew, true);
      }
      assert.deepEqual(spy.calls, {});
    }),

  "touch() extends a session without changing it; a session never stored stays unsaved": (make) =>
    using(make, {}, async ({ request, clock, spy }) => {
      const a = await request(null, (s) => s.set("v", 1));
      const before = a.session.expiresAt!.getTime();
      clock.advance(10); // well before a sliding refresh is due (60 s)
      const touched = await request(a.cookie, (s) => s.touch());
      assert.equal(spy.count("touch") + spy.count("update"), 1, "one write");
      assert.equal(touched.session.expiresAt!.getTime(), before + 10_000, "the idle timeout slid by 10 s");
      assert.equal((await request(a.cookie)).session.get("v"), 1, "the data is as it was");
      const writes = spy.count("create");
      const fresh = await request(null, (s) => s.touch());
      assert.equal(fresh.setCookie, null);
      assert.equal(spy.count("create"), writes, "nothing created for a touched new session");
    }),

  "markAuthenticated() is stored on the storage's clock, kept by a regenerating sign-in that proved it, and ages for requireRecentAuth": (make) =>
    using(make, {}, async ({ request, clock }) => {
      const signin = await request(null, (s) => {
        s.regenerateId({ keep: [] });
        s.set("userId", "U");
        s.markAuthenticated({ method: "password" });
      });
      const at = new Date(clock.now());
      const read = (await request(signin.cookie)).session;
      assert.deepEqual(read.authentication, { authenticatedAt: at, methods: { password: at } });
      assert.deepEqual(read.entries(), [["userId", "U"]], "the record is not one of the session's values");
      clock.advance(301);
      const stale = await request(signin.cookie);
      assert.deepEqual(requireRecentAuth(stale.session, { maxAge: 300 }), { required: true, authenticatedAt: at, location: undefined });
      const stepUp = await request(signin.cookie, (s) => {
        s.markAuthenticated({ method: "totp" });
        s.regenerateId({ keep: ["userId"] });
      });
      const again = (await request(stepUp.cookie)).session;
      const later = new Date(clock.now());
      // A regenerate with keep keeps what this request proved only: the earlier password was perhaps another user's.
      assert.deepEqual(again.authentication, { authenticatedAt: later, methods: { totp: later } });
      assert.deepEqual(requireRecentAuth(again, { maxAge: 300 }).required, false);
      assert.deepEqual(requireRecentAuth(again, { maxAge: 300, methods: ["password"] }).required, true, "only the named methods count");
    }),

  "a schema reads values that pass, refuses those that fail (a fresh session, an event), and saves what migrate upgraded": (make) =>
    using(make, {}, async ({ request, fixture, clock, storage }) => {
      const good = await request(null, (s) => s.set("count", 1));
      const bad = await request(null, (s) => s.set("count", "one"));
      const old = await request(null, (s) => (s.set("cnt", 3), s.set("userId", "U")));
      const events: Array<[string, string | undefined]> = [];
      const checked = createSessionStorage({
        store: fixture.store,
        cookie: { secrets: [SECRET_A], name: "sid" },
        now: clock.now,
        userKey: "userId",
        schema: z.object({ count: z.number(), userId: z.string().optional() }),
        migrate: (values) => (typeof values.cnt === "number" ? { count: values.cnt, userId: values.userId } : undefined),
        onEvent: (e) => events.push([e.type, e.reason]),
      });
      assert.equal((await checked.read(good.cookie)).get("count"), 1);
      const refused = await checked.read(bad.cookie);
      assert.deepEqual([refused.isNew, refused.entries(), events], [true, [], [["rejected", "invalid"]]]);
      const upgraded = await checked.read(old.cookie);
      assert.deepEqual([upgraded.isNew, upgraded.get("count"), upgraded.dirty], [false, 3, true]);
      assert.equal(await checked.save(upgraded), null, "the id cookie stays as it is");
      assert.deepEqual((await storage.read(old.cookie)).entries().sort(), [["count", 3], ["userId", "U"]], "the upgrade replaced the stored values");
    }),

  "your devices: listSessions shows each session's device (and network when recorded), maxSessionsPerUser ends the one used least recently, a new device is an event": (make) =>
    using(make, {}, async ({ fixture, clock }) => {
      const events: Array<[string, string | undefined, string | undefined]> = [];
      const storage = createSessionStorage({
        store: fixture.store,
        cookie: { secrets: [SECRET_A], name: "sid" },
        now: clock.now,
        userKey: "userId",
        maxSessionsPerUser: 2,
        onEvent: (e) => void (e.type === "new-device" && events.push([e.type, e.user, e.device])),
      });
      const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
      const SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
      async function signIn(userAgent: string, ip?: string) {
        const s = await storage.read(null);
        s.regenerateId({ keep: [] });
        s.set("userId", "D");
        recordDevice(s, { userAgent, ip }, { network: ip !== undefined });
        const cookie = cookiePair(await storage.save(s));
        clock.advance(1);
        return cookie;
      }
      const first = await signIn(FIREFOX, "203.0.113.77");
      const second = await signIn(FIREFOX);
      assert.deepEqual(events, [["new-device", "D", "Firefox on Linux"]], "the second Firefox is a known device");
      const listed = await storage.listSessions("D", { current: await storage.read(second) });
      assert.deepEqual(
        listed.map((s) => [s.current, s.device, s.data]),
        [
          [true, { browser: "Firefox", os: "Linux", label: "Firefox on Linux" }, { userId: "D" }],
          [false, { browser: "Firefox", os: "Linux", label: "Firefox on Linux", network: "203.0.113.0/24" }, { userId: "D" }],
        ],
      );
      const third = await signIn(SAFARI);
      assert.deepEqual(events.at(-1), ["new-device", "D", "Safari on iOS"]);
      // A re-authentication on that device (regenerateId, no recordDevice) is no sign-in from a new device.
      const told = events.length;
      const stepUp = await storage.read(third);
      stepUp.markAuthenticated({ method: "password" });
      stepUp.regenerateId();
      const thirdAgain = cookiePair(await storage.save(stepUp));
      assert.equal(events.length, told, "no new-device event for a step-up");
      const left = await storage.listSessions("D");
      assert.equal(left.length, 2, "a third sign-in past the limit of 2 ended one");
      assert.equal((await storage.read(first)).isNew, true, "the one used least recently is the one that ended");
      assert.deepEqual([(await storage.read(second)).get("userId"), (await storage.read(thirdAgain)).get("userId")], ["D", "D"]);
      assert.throws(() => createSessionStorage({ store: fixture.store, maxSessionsPerUser: 0 }), /maxSessionsPerUser must be a whole number/);
      assert.throws(() => createSessionStorage({ store: fixture.store, maxSessionsPerUser: 3 }), /needs the userKey option/);
    }),

  "maxSessionsPerUser ends the session used least recently, not the oldest: a device used every day stays signed in": (make) =>
    using(make, {}, async ({ fixture, clock }) => {
      const storage = createSessionStorage({ store: fixture.store, cookie: { secrets: [SECRET_A], name: "sid" }, now: clock.now, userKey: "userId", touchInterval: 60, maxSessionsPerUser: 2 });
      const signIn = async () => {
        const s = await storage.read(null);
        s.regenerateId({ keep: [] });
        s.set("userId", "L");
        const cookie = cookiePair(await storage.save(s));
        clock.advance(1);
        return cookie;
      };
      const daily = await signIn();
      const once = await signIn();
      clock.advance(120);
      assert.equal(await storage.save(await storage.read(daily)), null, "a touch (the store's last-seen moves)");
      const third = await signIn();
      assert.deepEqual(
        [(await storage.read(daily)).get("userId"), (await storage.read(once)).get("userId"), (await storage.read(third)).get("userId")],
        ["L", undefined, "L"],
      );
    }),

  "two sign-ins of one user at once, with maxSessionsPerUser: 1, leave one of them signed in (not none); the next holds the limit": async (make) => {
    const fixture = await make();
    try {
      // The real store, whose first two listings (one per sign-in) wait for each other: each sees the other.
      let waiting: Array<() => void> | null = [];
      const store = afterListing(fixture.store, async () => {
        const gate = waiting;
        if (!gate) return;
        await new Promise<void>((resolve) => {
          gate.push(resolve);
          if (gate.length === 2) {
            waiting = null;
            for (const go of gate) go();
          }
        });
      });
      const clock = fakeClock();
      const storage = createSessionStorage({ store, cookie: { secrets: [SECRET_A], name: "sid" }, now: clock.now, userKey: "userId", maxSessionsPerUser: 1 });
      const signIn = async () => {
        const s = await storage.read(null);
        s.regenerateId({ keep: [] });
        s.set("userId", "race");
        return cookiePair(await storage.save(s));
      };
      const cookies = await Promise.all([signIn(), signIn()]);
      // Each ends only what ranks below both of them: never each other. (One whose listing came before the
      // other's write ends nothing: two may stay, one over the limit, until the next sign-in.)
      const signedIn = [];
      for (const cookie of cookies) signedIn.push((await storage.read(cookie)).get("userId"));
      assert.ok(signedIn.includes("race"), `still signed in: ${JSON.stringify(signedIn)}`);
      clock.advance(1);
      const next = await signIn();
      assert.deepEqual((await storage.listSessions("race")).length, 1, "the next sign-in holds the limit again");
      assert.equal((await storage.read(next)).get("userId"), "race");
    } finally {
      await fixture.close?.();
    }
  },

  "reload() reads what another request saved and drops this request's unsaved changes": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const a = await request(null, (s) => s.set("count", 1));
      const waiting = await storage.read(a.cookie);
      waiting.set("draft", "unsaved");
      await request(a.cookie, (s) => s.set("count", 2));
      await waiting.reload();
      assert.deepEqual([waiting.isNew, waiting.get("count"), waiting.get("draft")], [false, 2, undefined]);
      waiting.set("count", 3);
      await storage.save(waiting);
      assert.equal((await request(a.cookie)).session.get("count"), 3, "the reloaded session saves as usual");
    }),

  "reload() after a save in the same request reads what that save wrote: a login's new session, a new one's first record": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const a = await request(null, (s) => s.set("cart", ["x"]));
      const login = await storage.read(a.cookie);
      login.regenerateId();
      login.set("userId", "u");
      const signedIn = cookiePair(await storage.save(login));
      const id = login.id;
      await login.reload();
      assert.deepEqual([login.isNew, login.id, login.get("userId"), login.get("cart")], [false, id, "u", ["x"]]);
      login.set("theme", "dark");
      await storage.save(login);
      const next = (await request(signedIn)).session;
      assert.deepEqual([next.id, next.get("userId"), next.get("theme")], [id, "u", "dark"]);
      assert.deepEqual((await storage.listSessions("u")).map((info) => info.data.theme), ["dark"], "one session of the user's: the one the cookie holds");

      const fresh = await storage.read(null);
      fresh.set("n", 1);
      fresh.flash("notice", "saved");
      const freshCookie = cookiePair(await storage.save(fresh));
      await fresh.reload();
      assert.deepEqual([fresh.isNew, fresh.get("n"), fresh.get("notice")], [false, 1, undefined], "the flash is the next request's");
      fresh.set("n", 2);
      await storage.save(fresh);
      const next2 = (await request(freshCookie)).session;
      assert.deepEqual([next2.get("n"), next2.get("notice")], [2, "saved"], "and the next request has it");
    }),

  "reload() of a session ended elsewhere is a fresh empty one, and a flash received before it stays received": (make) =>
    using(make, {}, async ({ request, storage }) => {
      const a = await request(null, (s) => {
        s.set("user", "ann");
        s.flash("notice", "hi");
      });
      const showing = await storage.read(a.cookie);
      assert.equal(showing.get("notice"), "hi");
      await showing.reload();
      assert.deepEqual([showing.get("notice"), showing.get("user")], ["hi", "ann"], "still this request's");
      await storage.save(showing);
      assert.equal((await request(a.cookie)).session.get("notice"), undefined, "and shown once");

      const waiting = await storage.read(a.cookie);
      await request(a.cookie, (s) => s.destroy());
      await waiting.reload();
      assert.deepEqual([waiting.isNew, waiting.entries()], [true, []]);
      assert.notEqual(waiting.id, a.session.id);
    }),

  "the store never holds a usable session id": (make) =>
    using(make, {}, async ({ request, fixture }) => {
      const a = await request(null, (s) => s.set("userId", "u1"));
      if (!fixture.dump) return;
      const raw = await fixture.dump();
      assert.ok(raw.includes("u1"), "the dump shows the data");
      assert.ok(!raw.includes(a.session.id), "but never the id");
    }),

  "a store that fails surfaces as SessionStoreError, never as an anonymous session": (make) =>
    using(make, {}, async ({ fixture, request }) => {
      const a = await request(null, (s) => s.set("v", 1));
      const failing = new Proxy(fixture.store, {
        get(target, prop) {
          const v = Reflect.get(target, prop);
          return typeof v === "function" ? () => Promise.reject(new Error("connection refused")) : v;
        },
      });
      const storage = createSessionStorage({ store: failing, cookie: { secrets: [SECRET_A], name: "sid" } });
      await assert.rejects(
        storage.read(a.cookie),
        (e: unknown) =>
          e instanceof SessionStoreError && e.message === "session store read failed" && (e.cause as Error).message === "connection refused",
        "the message names no host or driver text; the cause keeps it for logs",
      );
      const fresh = await storage.read(null);
      fresh.set("v", 1);
      await assert.rejects(storage.save(fresh), SessionStoreError);
    }),
};

/** Registers every check for one store. `skip` (a reason) skips them all, e.g. when its server is missing. */
export function runConformance(name: string, make: StoreFactory, skip: string | false = false): void {
  describe(`store conformance: ${name}`, { skip }, () => {
    for (const [title, check] of Object.entries(checks)) test(title, () => check(make));
  });
}
