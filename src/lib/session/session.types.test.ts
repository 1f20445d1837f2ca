// Type-level tests: `npm test` runs `tsc` over this file first, so every
// `@ts-expect-error` below must really be an error (or tsc fails).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Session } from "./session.js";

interface Data {
  userId: string;
  count: number;
}
interface Flash {
  notice: string;
}

test("sessions are typed by their data and flash generics", () => {
  const s = new Session<Data, Flash>({ id: "", isNew: true, createdAt: 0 });
  s.set("userId", "u1");
  s.set("count", 2);
  s.flash("notice", "ok");
  const id: string | undefined = s.get("userId");
  const count: number | undefined = s.get("count");
  const notice: string | undefined = s.get("notice");
  // @ts-expect-error: unknown key
  s.set("nope", 1);
  // @ts-expect-error: wrong value type
  s.set("count", "two");
  // @ts-expect-error: flash keys are not data keys
  s.set("notice", "x");
  // @ts-expect-error: wrong flash value type
  s.flash("notice", 3);
  // @ts-expect-error: unknown key on read
  s.get("missing");
  // @ts-expect-error: a number is not a string
  const wrong: number | undefined = s.get("userId");
  assert.deepEqual([id, count, notice, wrong], ["u1", 2, undefined, "u1"]);
});
