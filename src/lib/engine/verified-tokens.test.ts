import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair, fakeClock } from "../../../test/helpers.js";
import { cryptoFor } from "../crypto/backend.js";
import type { CryptoBackend } from "../crypto/types.js";
import { createCookieSessionStorage } from "./cookie-storage.js";
import { createMemorySessionStorage } from "../storages/memory.js";
import { MemoryStore } from "../stores/memory.js";
import { createSessionStorage } from "./id-storage.js";
import { VerifiedTokens } from "./verified-tokens.js";

/**
 * A node:crypto backend of the test's own that counts MAC checks and
 * decryptions: a storage given it as `cookie.crypto` counts, no other does.
 */
function countingCrypto(): { crypto: CryptoBackend; count(): number; reset(): void } {
  const base = cryptoFor("node");
  let n = 0;
  const crypto: CryptoBackend = Object.create(base, {
    hmac: { value: (k: unknown, d: string) => (n++, base.hmac(k, d)) },
    hmacBase64Url: { value: (k: unknown, d: string) => (n++, base.hmacBase64Url(k, d)) },
    decrypt: { value: (k: unknown, sealed: Uint8Array, aad: Uint8Array) => (n++, base.decrypt(k, sealed, aad)) },
  });
  return { crypto, count: () => n, reset: () => void (n = 0) };
}

class CountingStore extends MemoryStore {
  gets = 0;
  override get(key: string, now: number) {
    this.gets++;
    return super.get(key, now);
  }
}

const cookie = { secrets: [SECRET_A], name: "sid" };

/** Signs "ann" in through `storage`: the cookie pair to send back. */
async function signIn(storage: { read(c: null): Promise<any>; save(s: any): Promise<string | null> }): Promise<string> {
  const s = await storage.read(null);
  s.set("user", "ann");
  return cookiePair(await storage.save(s));
}

describe("tokens already authenticated", () => {
  test("a returning client's token skips the MAC check, but every request still asks the store", async () => {
    const store = new CountingStore();
    const macs = countingCrypto();
    const storage = createSessionStorage({ store, cookie: { ...cookie, crypto: macs.crypto } });
    const sid = await signIn(storage);
    macs.reset();
    for (let i = 0; i < 5; i++) assert.equal((await storage.read(sid)).get("user"), "ann");
    assert.equal(macs.count(), 0, "the token this storage issued is known authentic");
    assert.equal(store.gets, 5, "liveness is never cached");
  });

  test("a token from elsewhere is checked in full once; a tampered copy is checked, and refused, every time", async () => {
    const store = new MemoryStore();
    const sid = await signIn(createSessionStorage({ store, cookie }));
    const macs = countingCrypto();
    const reader = createSessionStorage({ store, cookie: { ...cookie, crypto: macs.crypto } }); // another process, in effect
    assert.equal((await reader.read(sid)).get("user"), "ann");
    assert.equal(macs.count(), 1);
    assert.equal((await reader.read(sid)).get("user"), "ann");
    assert.equal(macs.count(), 1, "remembered once authentic");
    const tampered = sid.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    for (let i = 1; i <= 3; i++) {
      assert.equal((await reader.read(tampered)).isNew, true);
      assert.equal(macs.count(), 1 + i, "a forged token is never remembered");
    }
  });

  test("a destroyed session's remembered token is a fresh session", async () => {
    const storage = createMemorySessionStorage({ cookie });
    const sid = await signIn(storage);
    await storage.destroySession(await storage.read(sid));
    const after = await storage.read(sid);
    assert.equal(after.isNew, true);
    assert.equal(after.get("user"), undefined);
  });

  test("the memory of tokens is bounded: the least recently used leaves first", () => {
    const tokens = new VerifiedTokens<{ id: string; key: string }>(2);
    const v = (n: number) => ({ id: String(n).repeat(32), key: `key-${n}` });
    tokens.add("a", v(1));
    tokens.add("b", v(2));
    tokens.add("b", v(2));
    assert.deepEqual(tokens.get("a"), v(1), "a is now the most recently used");
    tokens.add("c", v(3));
    assert.equal(tokens.get("b"), undefined);
    assert.deepEqual(tokens.get("a"), v(1));
    assert.deepEqual(tokens.get("c"), v(3));
  });

  test("a token longer than the limit is never remembered", () => {
    const tokens = new VerifiedTokens<string>(10, 8);
    tokens.add("12345678", "fits");
    tokens.add("123456789", "too long");
    assert.equal(tokens.get("12345678"), "fits");
    assert.equal(tokens.get("123456789"), undefined);
  });

  test("while lookups keep missing, one new token in sixteen is remembered; once they find theirs, every one is", () => {
    const tokens = new VerifiedTokens<number>(10_000);
    for (let i = 0; i < 1000; i++) tokens.get(`stranger-${i}`); // many users, none seen lately
    for (let i = 0; i < 64; i++) tokens.add(`issued-${i}`, i);
    const remembered = Array.from({ length: 64 }, (_, i) => tokens.get(`issued-${i}`)).filter((v) => v !== undefined);
    assert.deepEqual(remembered, [0, 16, 32, 48]);
    // Returning clients: the same tokens found again and again raise the hit rate past one in eight.
    for (let round = 0; round < 200; round++) for (const i of [0, 16, 32, 48]) tokens.get(`issued-${i}`);
    for (let i = 0; i < 64; i++) tokens.add(`again-${i}`, i);
    assert.equal(Array.from({ length: 64 }, (_, i) => tokens.get(`again-${i}`)).filter((v) => v !== undefined).length, 64);
  });
});

describe("cookie values already authenticated", () => {
  for (const encrypt of [false, true]) {
    const kind = encrypt ? "an encrypted" : "a signed";

    test(`${kind} cookie this storage issued opens without a MAC check or decryption`, async () => {
      const macs = countingCrypto();
      const storage = createCookieSessionStorage({ cookie: { ...cookie, encrypt, crypto: macs.crypto } });
      const value = await signIn(storage);
      macs.reset();
      for (let i = 0; i < 3; i++) assert.equal((await storage.read(value)).get("user"), "ann");
      assert.equal(macs.count(), 0);
    });

    test(`${kind} cookie from elsewhere is checked once; a tampered copy is checked, and refused, every time`, async () => {
      const value = await signIn(createCookieSessionStorage({ cookie: { ...cookie, encrypt } }));
      const macs = countingCrypto();
      const reader = createCookieSessionStorage({ cookie: { ...cookie, encrypt, crypto: macs.crypto } });
      assert.equal((await reader.read(value)).get("user"), "ann");
      assert.equal((await reader.read(value)).get("user"), "ann");
      assert.equal(macs.count(), 1, "remembered once authentic");
      const tampered = value.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
      for (let i = 1; i <= 3; i++) {
        assert.equal((await reader.read(tampered)).isNew, true);
        assert.equal(macs.count(), 1 + i, "a forged value is never remembered");
      }
    });
  }

  test("a remembered cookie still expires: its timestamps are read on every request", async () => {
    const clock = fakeClock();
    const storage = createCookieSessionStorage({ cookie, now: clock.now, idleTimeout: 600 });
    const value = await signIn(storage);
    clock.advance(599);
    assert.equal((await storage.read(value)).get("user"), "ann");
    clock.advance(2);
    const after = await storage.read(value);
    assert.equal(after.isNew, true);
    assert.equal(after.get("user"), undefined);
  });

  test("a remembered cookie's data is parsed anew each time: one request's changes never leak into another's", async () => {
    const storage = createCookieSessionStorage({ cookie });
    const value = await signIn(storage);
    const first = await storage.read(value);
    first.set("user", "mallory");
    assert.equal((await storage.read(value)).get("user"), "ann");
  });
});
