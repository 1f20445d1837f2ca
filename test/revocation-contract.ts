// What every revocation store must do, and a revocable cookie storage over it:
// run on the memory store, Redis (node-redis and ioredis), a Redis Cluster and
// PostgreSQL by the files that start each server.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRevocableCookieSessionStorage } from "../src/lib/engine/revocable-cookie-storage.js";
import type { RevocationStore } from "../src/lib/stores/revocation-store.js";
import { SECRET_A, cookiePair } from "./helpers.js";

export interface RevocationFixture {
  store: RevocationStore;
  /** Lets a key's time run out: the store's clock moved on, or real time waited. */
  expire(seconds: number): Promise<void>;
  /** Another store object over the same data (another process's). */
  twin(): RevocationStore;
  /**
   * Every key is gone, as after a Redis restarted without persistence or a
   * process restarted with a memory store: answers the store to use from now on.
   */
  lose(): Promise<RevocationStore>;
  close(): Promise<void>;
}

export function runRevocationContract(name: string, make: () => Promise<RevocationFixture>, skip: false | string): void {
  describe(`revocation store contract: ${name}`, { skip }, () => {
    async function withFixture(fn: (f: RevocationFixture) => Promise<void>): Promise<void> {
      const f = await make();
      try {
        await fn(f);
      } finally {
        await f.close();
      }
    }

    test("a key never raised is at generation 0; each raise answers the next generation", () =>
      withFixture(async ({ store }) => {
        assert.deepEqual(await store.generations(["u:ann", "s:AAAAAAAAAAAAAAAA"]), [0, 0]);
        assert.equal(await store.raise("u:ann", undefined), 1);
        assert.equal(await store.raise("u:ann", undefined), 2);
        assert.deepEqual(await store.generations(["s:AAAAAAAAAAAAAAAA", "u:ann", "u:bob"]), [0, 2, 0]);
        assert.deepEqual(await store.generations([]), []);
      }));

    test("keys are kept apart whatever they hold: case, colons, spaces, unicode, 1 KB", () =>
      withFixture(async ({ store }) => {
        const keys = ["u:Ann", "u:ann", "u:a:b", "u:a b", "u:ünï", `u:${"x".repeat(1024)}`, "u:'; DROP TABLE x; --"];
        for (const [i, key] of keys.entries()) for (let n = 0; n <= i; n++) await store.raise(key, undefined);
        assert.deepEqual(await store.generations(keys), [1, 2, 3, 4, 5, 6, 7]);
      }));

    test("a key raised with a time to keep it is gone after that time; one without is kept", () =>
      withFixture(async ({ store, expire }) => {
        assert.equal(await store.raise("s:BBBBBBBBBBBBBBBB", 1), 1);
        await store.raise("u:kept", undefined);
        assert.deepEqual(await store.generations(["s:BBBBBBBBBBBBBBBB", "u:kept"]), [1, 1]);
        await expire(2);
        assert.deepEqual(await store.generations(["s:BBBBBBBBBBBBBBBB", "u:kept"]), [0, 1]);
      }));

    test("a second raise with a shorter time keeps the longer one", () =>
      withFixture(async ({ store, expire }) => {
        await store.raise("s:CCCCCCCCCCCCCCCC", 3600);
        await store.raise("s:CCCCCCCCCCCCCCCC", 1);
        await expire(2);
        assert.deepEqual(await store.generations(["s:CCCCCCCCCCCCCCCC"]), [2]);
      }));

    test("its incarnation is one value for as long as it keeps its data, to every store object over that data; a new one once the data is lost", () =>
      withFixture(async ({ store, twin, lose }) => {
        const first = await store.incarnation!();
        assert.match(first, /^[A-Za-z0-9_-]{1,64}$/);
        assert.equal(await store.incarnation!(), first);
        assert.equal(await twin().incarnation!(), first);
        await store.raise("u:ann", undefined);
        assert.equal(await store.incarnation!(), first, "a raise is not a loss");
        const after = await lose();
        const second = await after.incarnation!();
        assert.notEqual(second, first);
        assert.equal(await after.incarnation!(), second);
      }));

    test("a store that lost its data lets no cookie it knew back in: a logged-out session stays out, a signed-in one signs in again", () =>
      withFixture(async ({ store, lose }) => {
        const make = (s: RevocationStore) => createRevocableCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, userKey: "userId", revocation: { store: s, checkInterval: 60 } });
        const before = make(store);
        const signIn = async (storage: typeof before) => {
          const s = await storage.read(null);
          s.regenerateId();
          s.set("userId", "ann");
          return cookiePair(await storage.save(s));
        };
        const loggedOut = await signIn(before);
        const signedIn = await signIn(before);
        await before.destroySession(await before.read(loggedOut));
        assert.equal((await before.read(loggedOut)).isNew, true);
        // The store restarts empty; a process restarts with it (a cache that heard nothing).
        const after = make(await lose());
        assert.equal((await after.read(loggedOut)).isNew, true, "the revocation is gone, and so is every cookie issued under it");
        assert.equal((await after.read(signedIn)).isNew, true);
        const again = await signIn(after);
        assert.equal((await after.read(again)).get("userId"), "ann");
        assert.equal((await after.read(loggedOut)).isNew, true, "still out after a sign-in raised nothing in the new store");
      }));

    test("a revocable cookie storage over it: log out everywhere, and one session, across two processes", () =>
      withFixture(async ({ store }) => {
        const make = () => createRevocableCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, userKey: "userId", revocation: { store, checkInterval: 60 } });
        const [a, b] = [make(), make()];
        const signIn = async () => {
          const s = await a.read(null);
          s.regenerateId();
          s.set("userId", "ann");
          return cookiePair(await a.save(s));
        };
        const phone = await signIn();
        const laptop = await signIn();
        const tablet = await signIn();
        await a.destroySession(await a.read(tablet));
        // b never heard of these sessions: it asks the store, which has the revocation already.
        assert.equal((await b.read(tablet)).isNew, true);
        assert.equal((await b.read(phone)).get("userId"), "ann");
        const current = await a.read(laptop);
        await a.destroyAllSessions("ann", { except: current });
        const kept = cookiePair(await a.save(current));
        assert.equal((await a.read(phone)).isNew, true);
        assert.equal((await a.read(kept)).get("userId"), "ann");
        // b heard ann's generation a moment ago: the kept cookie is newer, so b asks again and accepts it.
        assert.equal((await b.read(kept)).get("userId"), "ann");
        assert.equal((await b.read(phone)).isNew, true);
      }));

    test("user ids that are not well-formed Unicode (a lone surrogate) are each their own user, and can be logged out everywhere", () =>
      withFixture(async ({ store }) => {
        const make = () => createRevocableCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, userKey: "userId", revocation: { store, checkInterval: 60 } });
        const [storage, other] = [make(), make()];
        const signIn = async (user: string) => {
          const s = await storage.read(null);
          s.regenerateId();
          s.set("userId", user);
          return cookiePair(await storage.save(s));
        };
        const [high, low] = ["user\ud800", "user\udbff"];
        const [a, b] = [await signIn(high), await signIn(low)];
        await storage.destroyAllSessions(high);
        // Another process, which asks the store.
        assert.equal((await other.read(a)).isNew, true, "logged out");
        assert.equal((await other.read(b)).get("userId"), low, "another user");
      }));
  });
}
