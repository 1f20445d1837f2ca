import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair, fakeClock } from "../../../test/helpers.js";
import { createSessionStorage } from "../engine/id-storage.js";
import { createMemorySessionStorage } from "../storages/memory.js";

/** The custom storage from react-router's docs, over a Map (updateData inserts when missing). */
function mapStrategy() {
  const map = new Map<string, { data: unknown; expires?: Date }>();
  return {
    map,
    async createData(data: unknown, expires?: Date) {
      const id = crypto.randomUUID();
      map.set(id, { data, expires });
      return id;
    },
    async readData(id: string) {
      return (map.get(id)?.data ?? null) as Record<string, unknown> | null;
    },
    async updateData(id: string, data: unknown, expires?: Date) {
      map.set(id, { data, expires });
    },
    async deleteData(id: string) {
      map.delete(id);
    },
  };
}

describe("a Remix-style strategy as a store", () => {
  test("round trip, flash, expiry handed to updateData, and destroy", async () => {
    const clock = fakeClock();
    const strategy = mapStrategy();
    const storage = createSessionStorage({ store: strategy, cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: 600 });
    const s = await storage.read(null);
    s.set("userId", "u1");
    s.flash("notice", "hello");
    const cookie = cookiePair(await storage.save(s));
    assert.equal(strategy.map.size, 1);
    const [key, row] = [...strategy.map][0]!;
    assert.match(key, /^[A-Za-z0-9_-]{43}$/, "the strategy sees the id's hash, not the id");
    assert.equal(row.expires!.getTime(), clock.now() + 600_000);
    const next = await storage.read(cookie);
    assert.equal(next.get("userId"), "u1");
    assert.equal(next.get("notice"), "hello");
    await storage.save(next);
    assert.equal((await storage.read(cookie)).get("notice"), undefined);
    clock.advance(601);
    assert.equal((await storage.read(cookie)).isNew, true, "expiry is enforced on read");
    clock.advance(-601);
    await storage.destroySession(await storage.read(cookie));
    assert.equal(strategy.map.size, 0);
    assert.equal((await storage.read(cookie)).isNew, true);
  });

  /** A session one request still holds after another request destroyed it, with a late change. */
  async function destroyedInFlight() {
    const strategy = mapStrategy();
    const storage = createSessionStorage({ store: strategy, cookie: { secrets: [SECRET_A] } });
    const s = await storage.read(null);
    s.set("a", 1);
    const cookie = cookiePair(await storage.save(s));
    const inFlight = await storage.read(cookie);
    await storage.destroySession(await storage.read(cookie));
    inFlight.set("b", 2);
    return { strategy, storage, inFlight };
  }

  test("a save after a destroy does not re-create the record", async () => {
    const { strategy, storage, inFlight } = await destroyedInFlight();
    assert.equal(await storage.save(inFlight), null, "no cookie: the client's is left as the destroy left it");
    assert.equal(inFlight.destroyed, true);
    assert.equal(strategy.map.size, 0);
  });

  test("commitSession after a destroy does not re-create the record and answers with an expiring cookie", async () => {
    const { strategy, storage, inFlight } = await destroyedInFlight();
    assert.match(await storage.commitSession(inFlight), /^__Host-session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/);
    assert.equal(strategy.map.size, 0);
  });
});

describe("a Remix-style strategy as a store: a login whose delete of the old record fails", () => {
  test("the login fails with SessionStoreError, the old session stays signed in in this process too, and the new record is gone", async () => {
    const strategy = mapStrategy();
    const storage = createSessionStorage({ store: strategy, cookie: { secrets: [SECRET_A] } });
    const s = await storage.read(null);
    s.set("userId", "u1");
    const cookie = cookiePair(await storage.save(s));
    const [oldKey] = [...strategy.map.keys()];
    const deleteData = strategy.deleteData;
    strategy.deleteData = async (id: string) => {
      if (id === oldKey) throw new Error("the database went away");
      return deleteData(id);
    };
    const login = await storage.read(cookie);
    login.regenerateId();
    await assert.rejects(storage.save(login), { name: "SessionStoreError" });
    assert.deepEqual([...strategy.map.keys()], [oldKey], "no orphan under the new id");
    assert.equal((await storage.read(cookie)).get("userId"), "u1", "the old session is untouched");
  });
});

describe("createMemorySessionStorage()", () => {
  test("runs with no options at all outside production", async () => {
    const storage = createMemorySessionStorage();
    const s = await storage.getSession(null);
    s.set("count", 1);
    const setCookie = await storage.commitSession(s);
    assert.match(setCookie, /^__Host-session=S1\./);
    assert.equal((await storage.getSession(cookiePair(setCookie))).get("count"), 1);
  });
});
