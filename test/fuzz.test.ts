// Property-based fuzzing (fast-check) of everything that reads input from the
// network: the Cookie header parser, signed and encrypted value decoding,
// header-mode tokens, and the react-router layer's decoding. Each property runs
// on generated and mutated inputs; the counts add up to over 100,000 a run.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { SealedCookie, createCookie } from "../src/lib/cookie/cookie.js";
import { readCookieValue } from "../src/lib/cookie/header.js";
import { createCookieSessionStorage } from "../src/lib/engine/cookie-storage.js";
import { createMemorySessionStorage } from "../src/lib/storages/memory.js";
import * as rr from "../src/react-router.js";
import { SECRET_A, SECRET_B } from "./helpers.js";

/** Runs of each property; the total is printed so the count is visible in the test output. */
let total = 0;
const runs = (n: number) => {
  total += n;
  return { numRuns: n, seed: 20261123 };
};

/** A hang guard, not a speed test: no single input may take anywhere near this long. */
const HANG_MS = 250;
async function bounded<T>(fn: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  const out = await fn();
  assert.ok(performance.now() - started < HANG_MS, "an input took too long");
  return out;
}

/** Nothing has reached Object.prototype. */
function assertNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  for (const key of ["injected", "polluted", "isAdmin", "x"]) assert.equal(probe[key], undefined, `Object.prototype.${key}`);
}

const cookieChar = fc.mapToConstant(
  { num: 94, build: (v) => String.fromCharCode(0x21 + v) },
  { num: 4, build: (v) => [" ", ";", "=", ","][v]! },
  { num: 3, build: (v) => ["\u0000", "\u007f", "\r"][v]! },
  { num: 3, build: (v) => ["é", "🌙", "\uFEFF"][v]! },
);
const cookieText = fc.string({ unit: cookieChar, maxLength: 300 });
const hostileKeys = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "a", "sid");

/** Valid values with one change: a flipped, cut, extended, dropped or moved character. */
function mutate(value: string) {
  return fc.oneof(
    fc.nat({ max: Math.max(0, value.length - 1) }).chain((i) =>
      fc.integer({ min: 0x21, max: 0x7e }).map((c) => value.slice(0, i) + String.fromCharCode(c) + value.slice(i + 1)),
    ),
    fc.nat({ max: value.length }).map((i) => value.slice(0, i)),
    cookieText.map((tail) => value + tail),
    fc.nat({ max: Math.max(0, value.length - 1) }).map((i) => value.slice(0, i) + value.slice(i + 1)),
    fc.tuple(fc.nat({ max: value.length }), fc.nat({ max: value.length })).map(([a, b]) => {
      const parts = value.split(".");
      return [...parts.slice(b % parts.length), ...parts.slice(0, b % parts.length)].join(".") + (a % 2 ? "." : "");
    }),
  ).filter((m) => m !== value);
}

describe("fuzzing network input", () => {
  test("the Cookie header parser never throws, never pollutes a prototype, and finds a present cookie", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.oneof(hostileKeys, cookieText), cookieText), { maxLength: 40 }), async (pairs) => {
        const header = pairs.map(([k, v]) => `${k}=${v}`).join("; ");
        await bounded(() => readCookieValue(header, "sid"));
        await bounded(() => readCookieValue(`${header}; __proto__=%7B%22injected%22%3A1%7D`, "__proto__"));
        assertNoPollution();
      }),
      runs(20_000),
    );
    // Thousands of cookies in one header.
    const many = Array.from({ length: 3000 }, (_, i) => `c${i}=v${i}`).join("; ");
    assert.equal(readCookieValue(`${many}; sid=found`.slice(-16_000), "sid"), "found");
  });

  for (const encrypt of [false, true]) {
    const kind = encrypt ? "encrypted" : "signed";
    test(`${kind} values: random input never opens and never throws`, async () => {
      const c = createCookie("sid", { secrets: [SECRET_A], encrypt });
      await fc.assert(
        fc.asyncProperty(cookieText, async (text) => {
          assert.equal(await bounded(() => c.parse(`sid=${text}`)), null);
        }),
        runs(20_000),
      );
    });

    test(`${kind} values: every mutation of a genuine value is refused`, async () => {
      // The value decoder itself, below the header grammar (where ";" would end the value).
      const c = new SealedCookie("sid", {}, [SECRET_A]);
      const sealed = new SealedCookie("sid", { encrypt }, [SECRET_A]);
      const genuine = await sealed.sealValue(JSON.stringify({ userId: "ann", admin: false }));
      assert.ok(await sealed.openValue(genuine));
      await fc.assert(
        fc.asyncProperty(mutate(genuine), async (forged) => {
          assert.equal(await bounded(() => sealed.openValue(forged)), null, forged);
          assert.equal(await bounded(() => c.openValue(forged)), null, forged);
        }),
        runs(15_000),
      );
    });

    test(`${kind} values: a value moved to another cookie name, or made with another secret, is refused`, async () => {
      const ours = createCookie("sid", { secrets: [SECRET_A], encrypt });
      const other = createCookie("other", { secrets: [SECRET_A], encrypt });
      const foreign = createCookie("sid", { secrets: [SECRET_B], encrypt });
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
          const moved = (await other.serialize(value)).split(";")[0]!.slice(6);
          const stranger = (await foreign.serialize(value)).split(";")[0]!.slice(4);
          assert.equal(await ours.parse(`sid=${moved}`), null);
          assert.equal(await ours.parse(`sid=${stranger}`), null);
        }),
        runs(2_000),
      );
    });
  }

  test("session payloads: huge, deeply nested and __proto__-laden JSON round-trips as data and pollutes nothing", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" } });
    const hostileObject = fc.dictionary(hostileKeys, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 });
    await fc.assert(
      fc.asyncProperty(hostileObject, fc.jsonValue({ maxDepth: 6 }), async (data, flash) => {
        const s = await storage.read(null);
        for (const [k, v] of Object.entries(data)) s.set(k, v);
        s.flash("f", flash);
        let header: string | null;
        try {
          header = await storage.save(s);
        } catch (error) {
          assert.equal((error as Error).name, "CookieTooLargeError");
          return;
        }
        const next = await bounded(() => storage.read(header!.split(";")[0]!));
        for (const [k, v] of Object.entries(data)) assert.deepEqual(next.get(k), JSON.parse(JSON.stringify(v)));
        assertNoPollution();
        assert.equal(typeof next.get, "function", "stored keys never shadow methods");
      }),
      runs(3_000),
    );
  });

  test("header-mode tokens: random and mutated tokens are anonymous, never an error", async () => {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, transport: { header: "authorization" } });
    const s = await storage.read(null);
    s.set("userId", "ann");
    const token = (await storage.save(s))!.slice("Bearer ".length);
    await fc.assert(
      fc.asyncProperty(fc.oneof(cookieText.map((t) => `Bearer ${t}`), cookieText, mutate(token).map((t) => `Bearer ${t}`)), async (value) => {
        // Surrounding whitespace is not part of a header value (RFC 9110 §5.5): that is the same token.
        if (value.trim() === `Bearer ${token}`) return;
        const session = await bounded(() => storage.read(value));
        assert.equal(session.isNew, true, value);
      }),
      runs(15_000),
    );
  });

  test("the react-router layer: random cookies decode to null, {} or \"\", never throw, never pollute", async () => {
    const signed = rr.createCookie("__session", { secrets: [SECRET_A] });
    const plain = rr.createCookie("__session");
    await fc.assert(
      fc.asyncProperty(cookieText, async (text) => {
        const header = `__session=${text}`;
        const s = await bounded(() => signed.parse(header));
        assert.ok(s === null || s === "" || (typeof s === "object" && Object.keys(s).length === 0), JSON.stringify(s));
        await bounded(() => plain.parse(header));
        assertNoPollution();
      }),
      runs(15_000),
    );
  });

  test("the total number of generated inputs this run is over 100,000", () => {
    console.log(`# fuzzed inputs: ${total}`);
    assert.ok(total >= 100_000, String(total));
  });
});
