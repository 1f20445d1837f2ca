import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair } from "../../test/helpers.js";
import { createMemorySessionStorage } from "../memory-storage.js";
import { MemoryStore } from "./memory.js";

const record = (n: number, data: Record<string, unknown> = { n }) => ({ data, createdAt: 0, lastSeenAt: 0, expiresAt: 1e15 });
const key = (n: number) => `k${String(n).padStart(42, "0")}`;

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

  test("a bad maxSessions is refused", () => {
    assert.throws(() => new MemoryStore({ maxSessions: 0 }), /maxSessions is invalid: 0/);
  });

  test("createMemorySessionStorage() works with no options outside production", async () => {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] } });
    const s = await storage.getSession(null);
    s.set("count", 1);
    const next = await storage.getSession(cookiePair(await storage.commitSession(s)));
    assert.equal(next.get("count"), 1);
  });
});
