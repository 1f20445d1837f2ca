// tessera/react-router against the real react-router 7, @react-router/node 7 and @remix-run/node 2.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as remix from "@remix-run/node";
import * as rrNode from "@react-router/node";
import * as rr from "react-router";
import { SECRET_A, SECRET_B } from "../../../test/helpers.js";
import * as ours from "../../react-router.js";
import { createFileSessionStorage } from "../../react-router-file.js";

type Impl = Pick<typeof ours, "createCookie" | "createCookieSessionStorage" | "createSessionStorage" | "createMemorySessionStorage">;
const peers: Array<[string, Impl]> = [
  ["react-router 7", rr as unknown as Impl],
  ["@remix-run/node 2", remix as unknown as Impl],
];
const VALUES: unknown[] = [{ a: 1 }, "héllo wörld 🌙", [1, "two", { three: 3 }], { nested: { deep: [true, null] } }, 42, "a+b/c=d?e&f;g"];
const pair = (setCookie: string) => setCookie.split(";")[0]!;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tessera-rr-"));
});
after(() => rm(dir, { recursive: true, force: true }));

for (const [peer, theirs] of peers) {
  describe(`byte compatibility with ${peer}`, () => {
    for (const secrets of [undefined, [SECRET_A]]) {
      const label = secrets ? "signed" : "unsigned";
      test(`${label} cookies: identical Set-Cookie, and each reads the other's`, async () => {
        const a = ours.createCookie("c", { secrets, httpOnly: true });
        const b = theirs.createCookie("c", { secrets, httpOnly: true });
        for (const value of VALUES) {
          const mine = await a.serialize(value);
          assert.equal(mine, await b.serialize(value), JSON.stringify(value));
          assert.deepEqual(await b.parse(pair(mine)), value);
          assert.deepEqual(await a.parse(pair(await b.serialize(value))), value);
        }
        assert.equal(a.isSigned, b.isSigned);
      });
    }

    test("secret rotation: a cookie signed with the old secret is read after rotation, both ways", async () => {
      const oldTheirs = theirs.createCookie("c", { secrets: [SECRET_B] });
      const rotatedOurs = ours.createCookie("c", { secrets: [SECRET_A, SECRET_B] });
      assert.deepEqual(await rotatedOurs.parse(pair(await oldTheirs.serialize({ u: 1 }))), { u: 1 });
      const newTheirs = theirs.createCookie("c", { secrets: [SECRET_A] });
      assert.deepEqual(await newTheirs.parse(pair(await rotatedOurs.serialize({ u: 2 }))), { u: 2 });
    });

    test("tampered, wrong-secret, empty and garbage cookies give the same answers", async () => {
      const a = ours.createCookie("c", { secrets: [SECRET_A] });
      const b = theirs.createCookie("c", { secrets: [SECRET_A] });
      const good = pair(await a.serialize({ admin: false }));
      const inputs = [good.slice(0, -3), good.replace("c=", "c=x"), "c=", "c=abc", "c=%%%", "other=1", "", "c=e30.AAAA", pair(await theirs.createCookie("c", { secrets: [SECRET_B] }).serialize(1))];
      for (const input of inputs) assert.deepEqual(await a.parse(input), await b.parse(input), input);
      const ua = ours.createCookie("u");
      const ub = theirs.createCookie("u");
      for (const input of ["u=%%%", "u=bm90IGpzb24", "u=////", "u=7w"]) assert.deepEqual(await ua.parse(input), await ub.parse(input), input);
    });

    test("the cookie session storage scenario: same cookies, same data, flash consumed by get", async () => {
      const options = { cookie: { name: "__session", secrets: [SECRET_A], httpOnly: true, sameSite: "lax" as const } };
      const a = ours.createCookieSessionStorage(options);
      const b = theirs.createCookieSessionStorage(options);
      const run = async (s: ours.SessionStorage) => {
        const trace: unknown[] = [];
        const first = await s.getSession(null);
        first.set("userId", "ü-1");
        first.flash("notice", "welcome");
        const c1 = await s.commitSession(first);
        trace.push(c1, first.data);
        const second = await s.getSession(pair(c1));
        trace.push(second.has("notice"), second.get("notice"), second.get("notice"), second.get("userId"), second.data);
        const c2 = await s.commitSession(second);
        trace.push(c2, await s.destroySession(second));
        return trace;
      };
      assert.deepEqual(await run(a), await run(b as unknown as ours.SessionStorage));
    });

    test("a session over 4096 characters is the same error", async () => {
      for (const s of [ours.createCookieSessionStorage(), theirs.createCookieSessionStorage()]) {
        const session = await s.getSession(null);
        session.set("blob", "x".repeat(5000));
        await assert.rejects(s.commitSession(session), (e: Error) => /^Cookie length will exceed browser maximum\. Length: \d+$/.test(e.message));
      }
    });

    test("commitSession hands createData/updateData the same expires", async () => {
      const seen: Array<[string, number | undefined]> = [];
      const strategy = (who: string) => {
        const map = new Map<string, unknown>();
        return {
          cookie: { name: "sid", secrets: [SECRET_A], maxAge: 60 },
          async createData(data: unknown, expires?: Date) {
            seen.push([who, expires && Math.round((expires.getTime() - Date.now()) / 1000)]);
            const id = "0123456789abcdef";
            map.set(id, data);
            return id;
          },
          async readData(id: string) {
            return (map.get(id) as never) ?? null;
          },
          async updateData(id: string, data: unknown, expires?: Date) {
            seen.push([who, expires && Math.round((expires.getTime() - Date.now()) / 1000)]);
            map.set(id, data);
          },
          async deleteData(id: string) {
            map.delete(id);
          },
        };
      };
      for (const [who, impl] of [["ours", ours], ["theirs", theirs]] as const) {
        const s = impl.createSessionStorage(strategy(who) as never);
        const session = await s.getSession(null);
        session.set("a", 1);
        const c = await s.commitSession(session);
        await s.commitSession(await s.getSession(pair(c)), { maxAge: 10 });
      }
      assert.deepEqual(seen, [["ours", 60], ["ours", 10], ["theirs", 60], ["theirs", 10]]);
    });
  });
}

describe("their documentation's examples, with only the import changed", () => {
  test("login and logout with createCookieSessionStorage", async () => {
    const { getSession, commitSession, destroySession } = ours.createCookieSessionStorage<{ userId: string }, { error: string }>({
      cookie: { name: "__session", httpOnly: true, maxAge: 60, path: "/", sameSite: "lax", secrets: ["s3cret1"], secure: true },
    });
    async function action(request: Request) {
      const session = await getSession(request.headers.get("Cookie"));
      const form = await request.formData();
      if (form.get("password") !== "right") {
        session.flash("error", "Invalid username/password");
        return new Response(null, { status: 302, headers: { Location: "/login", "Set-Cookie": await commitSession(session) } });
      }
      session.set("userId", String(form.get("username")));
      return new Response(null, { status: 302, headers: { Location: "/", "Set-Cookie": await commitSession(session) } });
    }
    const bad = await action(new Request("http://x/login", { method: "POST", body: new URLSearchParams({ username: "ann", password: "wrong" }) }));
    const flashed = await getSession(pair(bad.headers.get("Set-Cookie")!));
    assert.equal(flashed.get("error"), "Invalid username/password");
    assert.equal(flashed.get("error"), undefined, "react-router semantics: get consumes the flash");
    const good = await action(new Request("http://x/login", { method: "POST", body: new URLSearchParams({ username: "ann", password: "right" }) }));
    const session = await getSession(pair(good.headers.get("Set-Cookie")!));
    assert.equal(session.get("userId"), "ann");
    assert.match(await destroySession(session), /^__session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax$/);
  });

  test("createFileSessionStorage({ dir, cookie }) reads sessions written by @react-router/node in the same directory", async () => {
    const cookie = ours.createCookie("__session", { secrets: [SECRET_A], sameSite: true });
    const theirsStorage = rrNode.createFileSessionStorage({ dir, cookie: rr.createCookie("__session", { secrets: [SECRET_A], sameSite: true }) });
    const oursStorage = createFileSessionStorage({ dir, cookie });
    const s = await theirsStorage.getSession(null);
    s.set("userId", "from-react-router");
    const theirCookie = pair(await theirsStorage.commitSession(s));
    const read = await oursStorage.getSession(theirCookie);
    assert.equal(read.get("userId"), "from-react-router", "nobody is logged out by the switch");
    read.set("visits", 1);
    assert.equal(pair(await oursStorage.commitSession(read)), theirCookie, "the same id is kept");
    assert.equal((await theirsStorage.getSession(theirCookie)).get("visits"), 1);
    const mine = await oursStorage.getSession(null);
    mine.set("userId", "ours");
    const myCookie = pair(await oursStorage.commitSession(mine));
    assert.equal((await theirsStorage.getSession(myCookie)).get("userId"), undefined, "their storage refuses ids longer than 64 bits");
    assert.equal((await oursStorage.getSession(myCookie)).get("userId"), "ours");
  });

  test('createFileSessionStorage({ ids: "react-router" }) writes 64-bit ids that @react-router/node reads: a rollback logs no one out', async () => {
    const cookie = ours.createCookie("__session", { secrets: [SECRET_A], sameSite: true });
    const theirsStorage = rrNode.createFileSessionStorage({ dir, cookie: rr.createCookie("__session", { secrets: [SECRET_A], sameSite: true }) });
    const oursStorage = createFileSessionStorage({ dir, cookie, ids: "react-router" });
    const mine = await oursStorage.getSession(null);
    mine.set("userId", "made-after-the-migration");
    const myCookie = pair(await oursStorage.commitSession(mine));
    assert.match((await oursStorage.getSession(myCookie)).id, /^[0-9a-f]{16}$/);
    const back = await theirsStorage.getSession(myCookie);
    assert.equal(back.get("userId"), "made-after-the-migration");
    back.set("visits", 2);
    await theirsStorage.commitSession(back);
    assert.equal((await oursStorage.getSession(myCookie)).get("visits"), 2, "both directions");
  });

  test("a custom createSessionStorage over a Map", async () => {
    const map = new Map<string, { data: unknown; expires?: Date }>();
    const { getSession, commitSession, destroySession } = ours.createSessionStorage({
      cookie: { name: "__session", secrets: [SECRET_A] },
      async createData(data, expires) {
        const id = crypto.randomUUID();
        map.set(id, { data, expires });
        return id;
      },
      async readData(id) {
        return (map.get(id)?.data as never) ?? null;
      },
      async updateData(id, data, expires) {
        map.set(id, { data, expires });
      },
      async deleteData(id) {
        map.delete(id);
      },
    });
    const s = await getSession(null);
    s.set("theme", "dark");
    const c = pair(await commitSession(s));
    assert.equal((await getSession(c)).get("theme"), "dark");
    await destroySession(await getSession(c));
    assert.equal(map.size, 0);
  });
});

describe("where theirs is unsafe, ours is not", () => {
  test("memory and file ids are 128 bits from the CSPRNG", async () => {
    const s = ours.createMemorySessionStorage({ cookie: { secrets: [SECRET_A] } });
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const session = await s.getSession(null);
      session.set("i", i);
      const c = await s.commitSession(session);
      const id = await ours.createCookie("__session", { secrets: [SECRET_A] }).parse(pair(c));
      assert.match(id, /^[0-9a-f]{32}$/);
      ids.add(id);
    }
    assert.equal(ids.size, 200);
  });

  test("an id unknown to the store is not adopted (theirs adopts it)", async () => {
    const forged = pair(await ours.createCookie("__session", { secrets: [SECRET_A] }).serialize("0123456789abcdef0123456789abcdef"));
    const mine = ours.createMemorySessionStorage({ cookie: { secrets: [SECRET_A] } });
    const s = await mine.getSession(forged);
    assert.equal(s.id, "");
    s.set("a", 1);
    assert.notEqual(pair(await mine.commitSession(s)), forged);
    const theirs = rr.createMemorySessionStorage({ cookie: { secrets: [SECRET_A] } });
    assert.equal((await theirs.getSession(forged)).id, "0123456789abcdef0123456789abcdef", "react-router keeps the attacker's id");
  });

  test("a destroyed session is not brought back by a later commit (theirs brings it back)", async () => {
    for (const [impl, resurrects] of [[ours, false], [rr, true]] as const) {
      const s = (impl as Impl).createMemorySessionStorage({ cookie: { secrets: [SECRET_A] } });
      const first = await s.getSession(null);
      first.set("userId", "ann");
      const c = pair(await s.commitSession(first));
      const inFlight = await s.getSession(c);
      await s.destroySession(await s.getSession(c));
      inFlight.set("late", true);
      const answer = await s.commitSession(inFlight);
      assert.equal((await s.getSession(c)).get("userId") === "ann", resurrects);
      if (!resurrects) assert.match(answer, /Expires=Thu, 01 Jan 1970/);
    }
  });

  test("the file store never builds a path from an unvalidated id", async () => {
    const d = join(dir, "hostile");
    const storage = createFileSessionStorage({ dir: d, cookie: { secrets: [SECRET_A] } });
    const cookie = ours.createCookie("__session", { secrets: [SECRET_A] });
    for (const id of ["../../etc/passwd", "0123456789abcdef/../x", "0123456789ABCDEF0", "%2e%2e"]) {
      const s = await storage.getSession(pair(await cookie.serialize(id)));
      assert.equal(s.id, "");
    }
    await assert.rejects(readdir(d), /ENOENT/);
  });
});
