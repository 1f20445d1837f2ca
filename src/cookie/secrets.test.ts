import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, SECRET_B } from "../../test/helpers.js";
import { SessionConfigError } from "../errors.js";
import { createCookieSessionStorage } from "../cookie-storage.js";
import { createCookie } from "./cookie.js";

describe("secrets", () => {
  test("G3: empty, placeholder and short secrets are refused at creation", () => {
    for (const bad of ["", "secret", "keyboard cat", "x".repeat(31), "keyboard cat keyboard cat keyboard cat", "changeme-changeme-changeme-changeme", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]) {
      assert.throws(() => createCookie("sid", { secrets: [bad] }), SessionConfigError, JSON.stringify(bad));
    }
  });

  test("G3: the message says how long the secret is and how to make one", () => {
    assert.throws(() => createCookie("sid", { secrets: ["short"] }), /secrets\[0\] is 5 bytes; secrets need at least 32: generate one with `npx tessera secret`/);
  });

  test("G4: null, undefined or empty entries are refused (no unsigned transition)", () => {
    for (const bad of [null, undefined, ""]) {
      assert.throws(() => createCookie("sid", { secrets: [SECRET_A, bad as unknown as string] }), /secrets\[1\] is/);
    }
    assert.throws(() => createCookie("sid", { secrets: "one" as unknown as string[] }), /must be an array of strings/);
  });

  test("a storage without secrets outside production uses one per-process secret and warns once", () => {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (m: string) => warnings.push(m);
    try {
      const a = createCookieSessionStorage();
      const b = createCookieSessionStorage();
      assert.ok(a.cookie.isSigned && b.cookie.isSigned);
    } finally {
      console.warn = original;
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /random secret for this process only; sessions will not survive a restart/);
  });

  test("a storage without secrets in production is a configuration error", () => {
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      assert.throws(() => createCookieSessionStorage(), /cookie.secrets is required in production/);
      assert.throws(() => createCookieSessionStorage({ cookie: { secrets: [] } }), /cookie.secrets is required in production/);
      createCookieSessionStorage({ cookie: { secrets: [SECRET_A, SECRET_B] } });
    } finally {
      process.env.NODE_ENV = env;
    }
  });
});
