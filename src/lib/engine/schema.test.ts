// The `schema` option on a cookie storage, with real validators (zod 4, valibot 1); every store
// runs the same through test/conformance.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as v from "valibot";
import { z } from "zod";
import { SECRET_A, cookiePair, fakeClock } from "../../../test/helpers.js";
import type { SessionEvent } from "./events.js";
import { createCookieSessionStorage } from "./cookie-storage.js";

const clock = fakeClock();
const cookie = { secrets: [SECRET_A], name: "sid" };
/** What an earlier version of the app, without a schema, wrote: any values. */
const unchecked = createCookieSessionStorage({ cookie, now: clock.now });

async function written(values: Record<string, unknown>, flash: Record<string, unknown> = {}): Promise<string> {
  const s = await unchecked.read(null);
  for (const [k, value] of Object.entries(values)) s.set(k, value as never);
  for (const [k, value] of Object.entries(flash)) s.flash(k, value as never);
  return cookiePair(await unchecked.save(s));
}

const Data = z.object({ count: z.number().int(), theme: z.enum(["light", "dark"]).default("light") });

describe("schema", () => {
  test("values that pass are read as the schema gives them (its defaults applied)", async () => {
    const storage = createCookieSessionStorage({ cookie, now: clock.now, schema: Data });
    const s = await storage.read(await written({ count: 2 }));
    assert.deepEqual([s.isNew, s.get("count"), s.get("theme"), s.dirty], [false, 2, "light", false]);
  });

  test("values that fail make a fresh session and a rejected event with reason invalid", async () => {
    const events: SessionEvent[] = [];
    const storage = createCookieSessionStorage({ cookie, now: clock.now, schema: Data, onEvent: (e) => events.push(e) });
    for (const values of [{ count: "2" }, { count: 1.5 }, { theme: "dark" }, { count: 1, theme: "blue" }]) {
      const s = await storage.read(await written(values));
      assert.deepEqual([s.isNew, s.entries()], [true, []], JSON.stringify(values));
    }
    assert.deepEqual(events.map((e) => [e.type, e.reason]), Array(4).fill(["rejected", "invalid"]));
  });

  test("migrate upgrades what an older version wrote; the upgrade is checked again and saved", async () => {
    const seen: unknown[] = [];
    const storage = createCookieSessionStorage({
      cookie,
      now: clock.now,
      schema: Data,
      migrate: (values, issues) => {
        seen.push(issues.map((i) => i.path?.map((p) => (typeof p === "object" ? p.key : p)).join(".")));
        return typeof values.cnt === "number" ? { count: values.cnt } : undefined;
      },
    });
    const old = await storage.read(await written({ cnt: 3 }));
    assert.deepEqual([old.isNew, old.get("count"), old.dirty], [false, 3, true]);
    const upgraded = cookiePair(await storage.save(old));
    assert.deepEqual(await unchecked.read(upgraded).then((s) => s.entries()), [["count", 3], ["theme", "light"]], "the old key is gone");
    assert.equal((await storage.read(upgraded)).get("count"), 3);
    assert.deepEqual(seen, [["count"]], "migrate ran once, told what failed");
    assert.equal((await storage.read(await written({ other: 1 }))).isNew, true, "migrate gave up: a fresh session");
    const still = createCookieSessionStorage({ cookie, now: clock.now, schema: Data, migrate: () => ({ count: "x" }) });
    assert.equal((await still.read(await written({ cnt: 3 }))).isNew, true, "an upgrade that fails too: a fresh session");
  });

  test("an asynchronous validator (valibot's async pipeline) is awaited", async () => {
    const schema = v.pipeAsync(
      v.object({ count: v.number() }),
      v.checkAsync(async (data) => data.count < 10, "too many"),
    );
    const storage = createCookieSessionStorage({ cookie, now: clock.now, schema });
    assert.equal((await storage.read(await written({ count: 9 }))).get("count"), 9);
    assert.equal((await storage.read(await written({ count: 10 }))).isNew, true);
  });

  test("flash values are not the schema's; markAuthenticated's record survives a schema that strips unknown keys", async () => {
    const storage = createCookieSessionStorage({ cookie, now: clock.now, schema: z.object({ count: z.number() }) });
    const s = await storage.read(await written({ count: 1, extra: true }, { notice: "hi" }));
    s.markAuthenticated({ method: "password" });
    const again = await storage.read(cookiePair(await storage.save(s)));
    assert.deepEqual([again.get("count"), (again as { get(k: string): unknown }).get("extra"), again.authentication?.methods.password?.getTime()], [1, undefined, clock.now()]);
    const flashed = await storage.read(await written({ count: 1 }, { notice: 42 }));
    assert.equal((flashed as { get(k: string): unknown }).get("notice"), 42);
  });

  test("a new session is not checked; an option that is not a validator is a TypeError", async () => {
    const storage = createCookieSessionStorage({ cookie, now: clock.now, schema: Data });
    assert.deepEqual((await storage.read(null)).entries(), []);
    assert.throws(() => createCookieSessionStorage({ cookie, schema: { parse() {} } as never }), /option schema must be a Standard Schema validator/);
  });
});
