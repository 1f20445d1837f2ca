import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, SECRET_B, cookiePair, fakeClock } from "../../../test/helpers.js";
import { MemoryRevocationStore } from "../stores/memory-revocation.js";
import { createCookieSessionStorage } from "./cookie-storage.js";
import { createRevocableCookieSessionStorage } from "./revocable-cookie-storage.js";
import { CookieTooLargeError } from "../errors.js";

const DAY = 86400;

describe("cookie session storage", () => {
  test("the seed's counter runs unchanged", async () => {
    let storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] } });
    async function handleRequest(cookie: string | null) {
      let session = await storage.read(cookie);
      session.set("count", Number(session.get("count") ?? 0) + 1);
      return { session, cookie: await storage.save(session) };
    }
    let r1 = await handleRequest(null);
    assert.equal(r1.session.get("count"), 1);
    let r2 = await handleRequest(r1.cookie);
    assert.equal(r2.session.get("count"), 2);
    let r3 = await handleRequest(r2.cookie);
    assert.equal(r3.session.get("count"), 3);
  });

  test("the Remix loader/action pattern: flash after a redirect, then logout", async () => {
    const sessionStorage = createCookieSessionStorage({
      cookie: { name: "__session", httpOnly: true, path: "/", sameSite: "lax", secrets: [SECRET_A], secure: true },
    });
    const getSession = (request: Request) => sessionStorage.getSession(request.headers.get("Cookie"));
    async function action(request: Request) {
      const session = await getSession(request);
      const form = await request.formData();
      session.set("userId", "u1");
      session.flash("globalMessage", `Message "${form.get("message")}" processed!`);
      return new Response(null, { status: 302, headers: { Location: "/", "Set-Cookie": await sessionStorage.commitSession(session) } });
    }
    async function loader(request: Request) {
      const session = await getSession(request);
      const message = session.get("globalMessage") ?? null;
      const again = session.get("globalMessage") ?? null;
      return { message, again, userId: session.get("userId"), setCookie: await sessionStorage.commitSession(session) };
    }
    async function logout(request: Request) {
      const session = await getSession(request);
      return new Response(null, { status: 302, headers: { "Set-Cookie": await sessionStorage.destroySession(session) } });
    }

    const posted = await action(new Request("http://x/", { method: "POST", body: new URLSearchParams({ message: "hi" }) }));
    const c1 = cookiePair(posted.headers.get("Set-Cookie"));
    const first = await loader(new Request("http://x/", { headers: { Cookie: c1 } }));
    assert.equal(first.message, 'Message "hi" processed!');
    assert.equal(first.again, 'Message "hi" processed!', "every read in the next request sees the flash");
    assert.equal(first.userId, "u1");
    const second = await loader(new Request("http://x/", { headers: { Cookie: cookiePair(first.setCookie) } }));
    assert.equal(second.message, null, "the flash is gone on the request after");
    assert.equal(second.userId, "u1");
    const out = await logout(new Request("http://x/", { headers: { Cookie: cookiePair(second.setCookie) } }));
    assert.equal(out.headers.get("Set-Cookie"), "__session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax");
  });

  test("an unchanged session inside its touch interval produces no cookie", async () => {
    const clock = fakeClock();
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, now: clock.now, touchInterval: 60 });
    const fresh = await storage.read(null);
    assert.equal(await storage.save(fresh), null, "an untouched new session sends nothing");
    fresh.set("a", 1);
    const cookie = cookiePair(await storage.save(fresh));
    clock.advance(59);
    assert.equal(await storage.save(await storage.read(cookie)), null);
    clock.advance(1);
    const touched = await storage.save(await storage.read(cookie));
    assert.ok(touched, "a touch is due after touchInterval");
    assert.equal((await storage.read(cookiePair(touched))).get("a"), 1);
  });

  test("D1: a session unused for idleTimeout + 1 s is gone", async () => {
    const clock = fakeClock();
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: 600 });
    const s = await storage.read(null);
    s.set("user", "ann");
    const cookie = cookiePair(await storage.save(s));
    clock.advance(600);
    assert.equal((await storage.read(cookie)).get("user"), "ann");
    clock.advance(1);
    const after = await storage.read(cookie);
    assert.equal(after.isNew, true);
    assert.equal(after.get("user"), undefined);
  });

  test("D1, D2: a session made at a fraction of a second ends no earlier than its timeouts say (its token counts whole seconds)", async () => {
    const clock = fakeClock();
    clock.advance(0.5);
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], maxAge: 3600 }, now: clock.now, idleTimeout: 100, absoluteTimeout: 150, touchInterval: 10 });
    const s = await storage.read(null);
    s.set("user", "ann");
    const issued = (await storage.save(s))!;
    assert.match(issued, /; Max-Age=100;/);
    clock.advance(90);
    const used = await storage.read(cookiePair(issued));
    assert.equal(used.get("user"), "ann");
    const touched = cookiePair(await storage.save(used));
    clock.advance(59.6);
    assert.equal((await storage.read(touched)).get("user"), "ann", "149.6 s after it was made, 59.6 s after its last use");
    clock.advance(1);
    assert.equal((await storage.read(touched)).isNew, true, "past the absolute timeout");
  });

  test("two cookie storages of one name and secret, one with a path or domain: neither opens the other's cookie (a site's session is no /admin session)", async () => {
    const secrets = [SECRET_A];
    const site = createCookieSessionStorage({ cookie: { secrets, domain: "example.com" } });
    const admin = createCookieSessionStorage({ cookie: { secrets, path: "/admin" } });
    const wide = createCookieSessionStorage({ cookie: { secrets, name: "session" } });
    assert.deepEqual([site.cookie.name, admin.cookie.name, wide.cookie.name], ["session", "session", "session"]);
    const signedIn = await site.read(null);
    signedIn.set("userId", "mallory");
    const cookie = cookiePair(await site.save(signedIn));
    assert.equal((await site.read(cookie)).get("userId"), "mallory");
    for (const other of [admin, wide]) assert.equal((await other.read(cookie)).isNew, true);
    const own = await admin.read(null);
    own.set("userId", "root");
    assert.equal((await site.read(cookiePair(await admin.save(own)))).isNew, true);
  });

  test("a short Max-Age is re-issued before the browser drops it, whatever fraction of a second the requests come at", async () => {
    for (const maxAge of [1, 2, 5]) {
      for (const offset of [0.1, 0.5, 0.9]) {
        const clock = fakeClock();
        clock.advance(offset);
        const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], maxAge }, now: clock.now, idleTimeout: 3600 });
        const first = await storage.read(null);
        first.set("userId", "ann");
        // The browser: the cookie it holds, and when its Max-Age runs out.
        let held = (await storage.save(first))!;
        let dropsAt = clock.now() + Number(/Max-Age=(\d+)/.exec(held)![1]) * 1000;
        for (let elapsed = 0.25; elapsed <= 10; elapsed += 0.25) {
          clock.advance(0.25);
          assert.ok(clock.now() < dropsAt, `maxAge ${maxAge}, made at +${offset} s: the browser dropped the cookie ${elapsed} s in`);
          const s = await storage.read(cookiePair(held));
          assert.equal(s.get("userId"), "ann");
          const again = await storage.save(s);
          if (again) [held, dropsAt] = [again, clock.now() + Number(/Max-Age=(\d+)/.exec(again)![1]) * 1000];
        }
      }
    }
  });

  test("D2: activity never extends a session past absoluteTimeout", async () => {
    const clock = fakeClock();
    const storage = createCookieSessionStorage({
      cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: 600, absoluteTimeout: 3600, touchInterval: 60,
    });
    const s = await storage.read(null);
    s.set("user", "ann");
    let cookie = cookiePair(await storage.save(s));
    for (let elapsed = 0; elapsed + 599 <= 3600; elapsed += 599) {
      clock.advance(599);
      const session = await storage.read(cookie);
      assert.equal(session.get("user"), "ann", `at ${elapsed + 599} s`);
      cookie = cookiePair((await storage.save(session)) ?? cookie);
    }
    clock.advance(3601 - 6 * 599);
    assert.equal((await storage.read(cookie)).isNew, true);
  });

  test("D4, D5: Max-Age never outlives the server's expiry, and an expired cookie replayed is rejected", async () => {
    const clock = fakeClock();
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], maxAge: 30 * DAY }, now: clock.now, idleTimeout: 3600 });
    const s = await storage.read(null);
    s.set("a", 1);
    const header = (await storage.save(s))!;
    assert.match(header, /Max-Age=3600;/);
    clock.advance(3601);
    assert.equal((await storage.read(cookiePair(header))).isNew, true);
  });

  test("D5: clockTolerance accepts a cookie 59 s past expiry and rejects one 61 s past", async () => {
    const clock = fakeClock();
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: 600, clockTolerance: 60 });
    const s = await storage.read(null);
    s.set("a", 1);
    const cookie = cookiePair(await storage.save(s));
    clock.advance(600 + 59);
    assert.equal((await storage.read(cookie)).isNew, false);
    clock.advance(2);
    assert.equal((await storage.read(cookie)).isNew, true);
  });

  test("G4: a cookie made with an older secret is read and re-issued under the current one", async () => {
    const old = createCookieSessionStorage({ cookie: { secrets: [SECRET_B] } });
    const rotated = createCookieSessionStorage({ cookie: { secrets: [SECRET_A, SECRET_B] } });
    const s = await old.read(null);
    s.set("user", "ann");
    const oldCookie = cookiePair(await old.save(s));
    const session = await rotated.read(oldCookie);
    assert.equal(session.get("user"), "ann");
    const reissued = await rotated.save(session);
    assert.ok(reissued, "re-issued although unchanged");
    const currentOnly = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] } });
    assert.equal((await currentOnly.read(cookiePair(reissued))).get("user"), "ann");
    assert.equal((await currentOnly.read(oldCookie)).isNew, true);
  });

  test("switching from signed to encrypted keeps everyone signed in and re-issues encrypted", async () => {
    const signed = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], encrypt: false } });
    const encrypted = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] } });
    const s = await signed.read(null);
    s.set("user", "ann");
    const cookie = cookiePair(await signed.save(s));
    assert.match(cookie, /=S1\./);
    const session = await encrypted.read(cookie);
    assert.equal(session.get("user"), "ann");
    assert.match(cookiePair(await encrypted.save(session)), /=E1\./);
  });

  test("tampered, truncated, renamed, wrong-key and garbage cookies give a fresh empty session", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" } });
    const other = createCookieSessionStorage({ cookie: { secrets: [SECRET_B], name: "sid" } });
    const renamed = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "other" } });
    const s = await storage.read(null);
    s.set("admin", true);
    const good = cookiePair(await storage.save(s)).slice(4);
    const o = await other.read(null);
    o.set("admin", true);
    const wrongKey = cookiePair(await other.save(o)).slice(4);
    const r = await renamed.read(null);
    r.set("admin", true);
    const fromOther = cookiePair(await renamed.save(r)).slice(6);
    const inputs = [
      good.slice(0, -1), good.slice(0, 20), good + "A", good.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
      wrongKey, fromOther, "garbage", "E1..", "E1.x.y", "%00", "\u0000\u0001", "E1." + "A".repeat(5000),
    ];
    for (const value of inputs) {
      const session = await storage.read(`sid=${value}`);
      assert.equal(session.isNew, true, value.slice(0, 40));
      assert.deepEqual(session.entries(), []);
    }
    assert.equal((await storage.read(`sid=${good}`)).get("admin"), true);
  });

  test("a sealed payload that is not our shape is a fresh session", async () => {
    const { createCookie } = await import("../cookie/cookie.js");
    const forger = createCookie("sid", { secrets: [SECRET_A], encrypt: true });
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" } });
    const now = Math.floor(Date.now() / 1000);
    const shapes = [
      [], null, 1, "x", {}, { d: {}, c: now, s: now }, [{}], [{}, now], [[], now, 0], [null, now, 0], [{}, String(now), 0],
      [{}, now, -1], [{}, now, 0.5], [{}, now, 0, 3], [{}, now, 0, []], [{}, now, 0, {}, {}],
    ];
    const good = await storage.read(cookiePair(await forger.serialize([{ admin: true }, now, 0])));
    assert.equal(good.get("admin"), true, "the one shape that is ours");
    for (const payload of shapes) {
      const session = await storage.read(cookiePair(await forger.serialize(payload)));
      assert.equal(session.isNew, true, JSON.stringify(payload));
    }
  });

  test("F9: a session too large for a cookie is a CookieTooLargeError at save", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] } });
    const s = await storage.read(null);
    s.set("blob", "x".repeat(5000));
    await assert.rejects(storage.save(s), CookieTooLargeError);
    await assert.rejects(storage.commitSession(s), CookieTooLargeError);
  });

  test("encrypt: false signs only, with HMAC-SHA-256", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], encrypt: false } });
    const s = await storage.read(null);
    s.set("a", 1);
    assert.match((await storage.save(s))!, /^__Host-session=S1\./);
  });

  test("commitSession always returns a Set-Cookie; destroySession always expires it", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], secure: false, name: "session" } });
    const s = await storage.read(null);
    assert.match(await storage.commitSession(s), /^session=E1\./);
    assert.equal(await storage.destroySession(s), "session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax");
    assert.equal(s.destroyed, true);
    assert.equal(await storage.save(s), "session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax");
  });

  test("J2, H1: a __proto__ flash value round-trips as data and pollutes nothing", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] } });
    const s = await storage.read(null);
    s.flash("notice", JSON.parse('{"__proto__":{"x":1}}'));
    s.set("__proto__" as string, { polluted: true });
    const next = await storage.read(cookiePair(await storage.save(s)));
    assert.deepEqual(JSON.stringify(next.get("notice")), '{"__proto__":{"x":1}}');
    assert.deepEqual(next.get("__proto__" as string), { polluted: true });
    assert.equal(({} as { x?: number; polluted?: boolean }).x, undefined);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test("H3: stored keys named like methods do not shadow them", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] } });
    const s = await storage.read(null);
    s.set("save", "nope");
    s.set("destroy", "nope");
    s.set("get", "nope");
    const next = await storage.read(cookiePair(await storage.save(s)));
    assert.equal(next.get("save"), "nope");
    next.set("count", 1);
    assert.ok(await storage.save(next));
    assert.equal(next.has("toString"), false);
    assert.equal(next.get("constructor"), undefined);
  });

  test("expiresAt reports the earlier of the idle and absolute deadlines", async () => {
    const clock = fakeClock();
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: 600, absoluteTimeout: 900 });
    const s = await storage.read(null);
    assert.equal(s.expiresAt!.getTime(), clock.now() + 600_000);
    s.set("a", 1);
    const cookie = cookiePair(await storage.save(s));
    clock.advance(500);
    const later = await storage.read(cookie);
    assert.equal(later.expiresAt!.getTime(), s.createdAt.getTime() + 600_000);
    await storage.save(later);
    assert.equal(later.expiresAt!.getTime(), s.createdAt.getTime() + 900_000);
  });

  test("bad timeout options are configuration errors that say what to use", () => {
    assert.throws(() => createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, idleTimeout: 0 }), /idleTimeout is invalid: 0; use a whole number of seconds above 0/);
    assert.throws(() => createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, absoluteTimeout: 1.5 }), /absoluteTimeout is invalid/);
    assert.throws(() => createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, idleTimeout: 60, touchInterval: 60 }), /touchInterval \(60\) must be shorter than idleTimeout \(60\)/);
  });

  test("a clockTolerance that is no whole number of seconds from 0 to 3600 is a configuration error: NaN or Infinity would accept every expired cookie", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, 1.5, 3601, "60", null]) {
      assert.throws(
        () => createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, clockTolerance: bad as number }),
        { name: "SessionConfigError", message: `option clockTolerance is invalid: ${String(bad)}; use whole seconds from 0 to 3600` },
      );
    }
    for (const good of [0, 60, 3600, undefined]) createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, clockTolerance: good });
    const revocation = { store: new MemoryRevocationStore() };
    assert.throws(() => createRevocableCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, userKey: "userId", revocation, clockTolerance: Number.NaN }), {
      name: "SessionConfigError",
    });
  });

  test("a lifetime given to one session is carried in its cookie to every re-issue", async () => {
    const clock = fakeClock();
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, now: clock.now, idleTimeout: DAY, touchInterval: 60 });
    const s = await storage.read(null);
    s.set("userId", "u1");
    s.setMaxAge(7 * DAY);
    const first = await storage.save(s);
    assert.match(first!, /; Max-Age=86400;/, "capped at the idle expiry");
    clock.advance(120);
    const touched = await storage.read(cookiePair(first));
    assert.equal(touched.maxAge, 7 * DAY);
    const again = await storage.save(touched);
    assert.match(again!, /; Max-Age=86400;/, "the touch re-issues it with the session's lifetime");
    const viaCommit = await storage.read(null);
    const committed = await storage.commitSession(viaCommit, { maxAge: 600 });
    assert.match(committed, /; Max-Age=600;/);
    clock.advance(120);
    const later = await storage.read(cookiePair(committed));
    assert.equal(later.maxAge, 600, "commitSession's maxAge is remembered");
    assert.match((await storage.save(later))!, /; Max-Age=600;/);
  });

  test("a request that never reads a flash value leaves it in the cookie for the one that does", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A] } });
    const a = await storage.read(null);
    a.flash("notice", "saved");
    const c1 = cookiePair(await storage.save(a));
    const favicon = await storage.read(c1);
    assert.equal(await storage.save(favicon), null, "nothing to re-issue");
    const busy = await storage.read(c1);
    busy.set("count", 1);
    const c2 = cookiePair(await storage.save(busy));
    const page = await storage.read(c2);
    assert.equal(page.get("notice"), "saved", "kept through a re-issue by a request that did not read it");
    const c3 = cookiePair(await storage.save(page));
    assert.equal((await storage.read(c3)).get("notice"), undefined);
    assert.equal((await storage.read(c3)).get("count"), 1);
  });

  test("a destroyed session reads as empty, and its save expires the cookie", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "s" } });
    const a = await storage.read(null);
    a.set("userId", "u1");
    const s = await storage.read(cookiePair(await storage.save(a)));
    s.destroy();
    assert.equal(s.get("userId"), undefined);
    assert.throws(() => s.set("userId", "u2"), /Session has been destroyed/);
    assert.match((await storage.save(s))!, /^s=; Max-Age=0;/);
  });

  test("the default name is the same with secure: false or not; secure: false with it is an error that says what to do", () => {
    assert.equal(createCookieSessionStorage({ cookie: { secrets: [SECRET_A] } }).cookie.name, "__Host-session");
    assert.throws(
      () => createCookieSessionStorage({ cookie: { secrets: [SECRET_A], secure: false } }),
      /cookie.secure: false cannot go with the default name "__Host-session".*Browsers keep Secure cookies from http:\/\/localhost/,
    );
    assert.equal(createCookieSessionStorage({ cookie: { secrets: [SECRET_A], secure: false, name: "dev" } }).cookie.name, "dev");
    assert.equal(createCookieSessionStorage({ cookie: { secrets: [SECRET_A], path: "/app" } }).cookie.name, "session");
  });
});
