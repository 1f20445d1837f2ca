// The sign-in step of id storages over a store without a user index: a sign-in still saves (there is
// nothing to count or compare, so no "new-device" event), and maxSessionsPerUser is refused when made.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SECRET_A, cookiePair } from "../../../test/helpers.js";
import { recordDevice } from "../session/device.js";
import { MemoryStore } from "../stores/memory.js";
import type { SessionStore } from "../stores/store.js";
import { createSessionStorage } from "./id-storage.js";

/** A store of the five required operations only. */
function unindexed(): SessionStore {
  const inner = new MemoryStore();
  return {
    get: (key, now) => inner.get(key, now),
    create: (key, record) => inner.create(key, record),
    update: (key, patch, now) => inner.update(key, patch, now),
    touch: (key, lastSeenAt, expiresAt, now, userId) => inner.touch(key, lastSeenAt, expiresAt, now, userId),
    replace: (oldKey, newKey, record, now) => inner.replace(oldKey, newKey, record, now),
    delete: (key) => inner.delete(key),
  };
}

test("without a user index a sign-in saves and tells no new-device; maxSessionsPerUser is a config error", async () => {
  const events: string[] = [];
  const storage = createSessionStorage({ store: unindexed(), cookie: { secrets: [SECRET_A], name: "sid" }, userKey: "userId", onEvent: (e) => void events.push(e.type) });
  const s = await storage.read(null);
  s.regenerateId();
  s.set("userId", "ann");
  recordDevice(s, { userAgent: "curl/8.5.0" });
  const cookie = cookiePair(await storage.save(s));
  assert.equal((await storage.read(cookie)).get("userId"), "ann");
  assert.deepEqual(events, ["created"]);
  assert.throws(() => createSessionStorage({ store: unindexed(), userKey: "userId", maxSessionsPerUser: 2 }), /keeps no user index/);
});
