import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SessionConfigError } from "../errors.js";
import { resolveTimeouts } from "./timeouts.js";

describe("timeouts", () => {
  test("an idle timeout of a few seconds is valid: the default touch interval stays below it", () => {
    for (const idleTimeout of [1, 2, 5, 9]) {
      const t = resolveTimeouts({ idleTimeout });
      assert.equal(t.idle, idleTimeout * 1000);
      assert.equal(t.touch, idleTimeout * 100, "a tenth of it, in milliseconds");
    }
    assert.equal(resolveTimeouts({}).touch, 3600_000, "at most an hour");
  });

  test("an idle timeout longer than the default absolute one lengthens the default, never fails", () => {
    const t = resolveTimeouts({ idleTimeout: 60 * 86400 });
    assert.equal(t.absolute, 60 * 86400 * 1000);
    assert.equal(resolveTimeouts({}).absolute, 30 * 86400 * 1000);
  });

  test("idleTimeout longer than an explicit absoluteTimeout is an error that says why", () => {
    assert.throws(
      () => resolveTimeouts({ idleTimeout: 7200, absoluteTimeout: 3600 }),
      (e: unknown) => e instanceof SessionConfigError && /idleTimeout \(7200\) is longer than absoluteTimeout \(3600\)/.test((e as Error).message),
    );
  });

  test("a timeout that looks like milliseconds (over 400 days) is an error", () => {
    for (const name of ["idleTimeout", "absoluteTimeout", "touchInterval"] as const) {
      assert.throws(
        () => resolveTimeouts({ [name]: 14 * 86400 * 1000 }),
        (e: unknown) => e instanceof SessionConfigError && new RegExp(`option ${name} is 1209600000 seconds, over 400 days: timeouts are in seconds, not milliseconds \\(did you mean 1209600\\?\\)`).test((e as Error).message),
        name,
      );
    }
    assert.equal(resolveTimeouts({ absoluteTimeout: 400 * 86400 }).absolute, 400 * 86400 * 1000, "400 days itself is fine");
  });
});
