import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, SECRET_B, fakeClock, serveFetch } from "../../../test/helpers.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { CookieTooLargeError, SessionConfigError } from "../errors.js";
import { getSession, withSession } from "../adapters/fetch.js";
import { createMemorySessionStorage } from "../storages/memory.js";

const header = { header: "x-session-token" };

describe("header mode", () => {
  test("a round trip through a real server: the token comes back in the same header, and only there", async () => {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, transport: header });
    const server = await serveFetch(
      withSession(storage, async (request) => {
        const s = await getSession(request);
        s.set("count", Number(s.get("count") ?? 0) + 1);
        return new Response(String(s.get("count")));
      }),
    );
    try {
      const first = await fetch(`${server.url}/`);
      assert.equal(await first.text(), "1");
      const token = first.headers.get("x-session-token")!;
      assert.match(token, /^S1\./);
      assert.deepEqual(first.headers.getSetCookie(), [], "no cookie in header mode");
      assert.equal(first.headers.get("cache-control"), "no-store");
      const second = await fetch(`${server.url}/`, { headers: { "x-session-token": token } });
      assert.equal(await second.text(), "2");
      assert.equal(second.headers.get("x-session-token"), null, "nothing to re-send");
      // C3, I1, I2: the same token anywhere else is not accepted.
      assert.equal(await (await fetch(`${server.url}/?session=${token}&x-session-token=${token}`)).text(), "1");
      assert.equal(await (await fetch(`${server.url}/`, { headers: { cookie: `__Host-session=${token}` } })).text(), "1");
      const form = await fetch(`${server.url}/`, { method: "POST", body: new URLSearchParams({ "x-session-token": token }) });
      assert.equal(await form.text(), "1");
      assert.equal(await (await fetch(`${server.url}/`, { headers: { "x-session-token": token } })).text(), "3");
    } finally {
      await server.close();
    }
  });

  test("Authorization: Bearer tokens", async () => {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, transport: { header: "authorization" } });
    const s = await storage.read(null);
    s.set("user", "ann");
    const issued = (await storage.save(s))!;
    assert.match(issued, /^Bearer S1\./);
    const back = await storage.read(new Headers({ authorization: issued }));
    assert.equal(back.get("user"), "ann");
    assert.equal((await storage.read(new Headers({ authorization: issued.replace("Bearer ", "Basic ") }))).isNew, true);
    assert.equal((await storage.read(new Headers({ authorization: issued.slice(7) }))).isNew, true, "the scheme is required");
  });

  test("timeouts, rotation and revocation behave as with cookies", async () => {
    const clock = fakeClock();
    const old = createCookieSessionStorage({ cookie: { secrets: [SECRET_B] }, transport: header, now: clock.now, idleTimeout: 600 });
    const rotated = createCookieSessionStorage({ cookie: { secrets: [SECRET_A, SECRET_B] }, transport: header, now: clock.now, idleTimeout: 600 });
    const s = await old.read(null);
    s.set("v", 1);
    const token = (await old.save(s))!;
    const read = await rotated.read(new Headers({ "x-session-token": token }));
    assert.equal(read.get("v"), 1);
    const reissued = (await rotated.save(read))!;
    assert.notEqual(reissued, token, "re-issued under the current secret");
    clock.advance(601);
    assert.equal((await rotated.read(new Headers({ "x-session-token": reissued }))).isNew, true, "idle timeout");
    const mem = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, transport: header });
    const m = await mem.read(null);
    m.set("v", 1);
    const t = (await mem.save(m))!;
    assert.equal(await mem.destroySession(await mem.read(new Headers({ "x-session-token": t }))), "");
    assert.equal((await mem.read(new Headers({ "x-session-token": t }))).isNew, true, "revoked");
  });

  test("a cookie session too large for the header it comes back in is a CookieTooLargeError at save, never a token the next request drops", async () => {
    for (const name of ["x-session-token", "authorization"]) {
      const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, transport: { header: name } });
      const first = await storage.read(null);
      first.set("user", "ann");
      const token = (await storage.save(first))!;
      const s = await storage.read(new Headers({ [name]: token }));
      s.set("notes", "n".repeat(3100));
      const error = await storage.save(s).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof CookieTooLargeError, String(error));
      assert.equal(error.cookieName, name);
      assert.equal(error.limit, 4096);
      assert.match(error.message, new RegExp(`^the token header "${name}" would be \\d+ bytes, over the 4096 bytes a token header is read up to: store less in the session`));
      // The largest session that is issued is read back whole.
      let size = 3100;
      let issued: string | null = null;
      while (issued === null) {
        const t = await storage.read(new Headers({ [name]: token }));
        t.set("notes", "n".repeat(--size));
        issued = await storage.save(t).catch(() => null);
      }
      assert.ok(issued.length <= 4096 && issued.length > 4000, String(issued.length));
      assert.equal((await storage.read(new Headers({ [name]: issued }))).get("notes"), "n".repeat(size));
    }
  });

  test("a bad header name is refused at creation", () => {
    for (const bad of ["", "x session", "cookie", "a:b"]) {
      assert.throws(() => createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, transport: { header: bad } }), SessionConfigError);
    }
  });
});
