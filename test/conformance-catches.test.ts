// The conformance suite must be able to fail: each broken store below breaks
// one promise of the contract, and the check for that promise rejects it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryStore } from "../src/lib/stores/memory.js";
import { applyPatch, type SessionStore } from "../src/lib/stores/store.js";
import { checks } from "./conformance.js";

/** Read-modify-write with a turn of the event loop in between: concurrent requests overwrite each other. */
function lostUpdates(): SessionStore {
  const inner = new MemoryStore();
  return Object.assign(Object.create(inner) as SessionStore, {
    async update(key: string, patch: Parameters<SessionStore["update"]>[1], now: number) {
      const current = await inner.get(key, now);
      if (!current) return false;
      await new Promise((r) => setImmediate(r));
      await inner.delete(key);
      await inner.create(key, { ...current, data: applyPatch(current.data, patch), expiresAt: patch.expiresAt });
      return true;
    },
  });
}

/** An update that creates the record when it is missing: a logout is undone. */
function resurrecting(): SessionStore {
  const inner = new MemoryStore();
  return Object.assign(Object.create(inner) as SessionStore, {
    async update(key: string, patch: Parameters<SessionStore["update"]>[1], now: number) {
      const current = await inner.get(key, now);
      await inner.create(key, { data: applyPatch(current?.data ?? {}, patch), createdAt: now, lastSeenAt: now, expiresAt: patch.expiresAt });
      return true;
    },
  });
}

/** A touch that reports success but does not move the expiry: sliding sessions die early. */
function touchless(): SessionStore {
  const inner = new MemoryStore();
  return Object.assign(Object.create(inner) as SessionStore, {
    touch: async (key: string, _l: number, _e: number, now: number) => (await inner.get(key, now)) !== null,
  });
}

test("the suite rejects a store that loses concurrent updates", async () => {
  await assert.rejects(checks["100 concurrent pairs changing different keys lose nothing"]!(async () => ({ store: lostUpdates() })));
});

test("the suite rejects a store that resurrects destroyed sessions", async () => {
  await assert.rejects(checks["a save after another request destroyed the session does not bring it back"]!(async () => ({ store: resurrecting() })));
});

test("the suite rejects a store whose touch does not extend the session", async () => {
  await assert.rejects(checks["a session unused for idleTimeout is gone"]!(async () => ({ store: touchless() })));
});

test("the same checks pass on the real memory store", async () => {
  await checks["100 concurrent pairs changing different keys lose nothing"]!(async () => ({ store: new MemoryStore() }));
});
