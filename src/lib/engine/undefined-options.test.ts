// An option given as `undefined` (unset configuration, `exactOptionalPropertyTypes`) means its default.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SECRET_A, fakeClock } from "../../../test/helpers.js";
import { createMemorySessionStorage } from "../storages/memory.js";
import { createCookieSessionStorage } from "./cookie-storage.js";

const u = undefined;

test("every storage option given as undefined means its default", async () => {
  const clock = fakeClock();
  const given = {
    cookie: { secrets: [SECRET_A], name: u, domain: u, path: u, maxAge: u, secure: u, httpOnly: u, sameSite: u, encrypt: u, crypto: u },
    idleTimeout: u,
    absoluteTimeout: u,
    touchInterval: u,
    onEvent: u,
    transport: u,
    now: clock.now,
  };
  const defaults = { cookie: { secrets: [SECRET_A] }, now: clock.now };
  for (const make of [createCookieSessionStorage, createMemorySessionStorage] as const) {
    const headers = [];
    for (const options of [given, defaults]) {
      const storage = make(options);
      const s = await storage.read(null);
      s.set("v", 1);
      const header = (await storage.save(s))!;
      headers.push(header.slice(header.indexOf(";"))); // the attributes (the sealed values differ)
      assert.equal(storage.cookie.name, "__Host-session");
    }
    assert.equal(headers[0], headers[1]);
    assert.equal(headers[0], "; Path=/; HttpOnly; Secure; SameSite=Lax");
  }
});
