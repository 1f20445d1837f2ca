// Cookie sessions with `maxChunks`: what each save sends as a session grows
// past one cookie and shrinks again, what it expires, what a read refuses, and
// (fast-check) that no Set-Cookie line ever exceeds 4096 bytes. The carrier on
// its own is tested in chunks.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { CookieJar, SECRET_A, SECRET_B, fakeClock } from "../../../test/helpers.js";
import { createCookieSessionStorage, type CookieSessionStorageOptions } from "../engine/cookie-storage.js";
import type { SessionEvent } from "../engine/events.js";
import { CookieTooLargeError } from "../errors.js";
import { setCookieLines } from "../util/set-cookie-lines.js";

const clearOf = (name: string, path = "/") => `${name}=; Max-Age=0; Path=${path}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax`;
/** The name of each line of a save's value. */
const namesOf = (value: string | null) => setCookieLines(value).map((line) => line.slice(0, line.indexOf("=")));

function storageOf(options: CookieSessionStorageOptions = {}, cookie: CookieSessionStorageOptions["cookie"] = {}) {
  return createCookieSessionStorage({ maxChunks: 2, ...options, cookie: { secrets: [SECRET_A], name: "sid", secure: false, ...cookie } });
}

describe("chunked cookie sessions", () => {
  test("a session that fits one cookie is one plain Set-Cookie, byte for byte as without maxChunks; its end expires the chunk names too", async () => {
    const clock = fakeClock();
    // Signed, not encrypted: the same session seals to the same bytes.
    const [one, two] = [1, 2].map((maxChunks) => storageOf({ maxChunks, now: clock.now }, { encrypt: false, maxAge: 3600 }));
    const values: string[] = [];
    for (const storage of [one!, two!]) {
      const s = await storage.read(null);
      s.set("user", "ann");
      const issued = await storage.commitSession(s);
      const again = await storage.read(issued.split(";")[0]);
      again.set("n", 1);
      values.push(issued, (await storage.save(again))!, await storage.destroySession(await storage.read(issued.split(";")[0])));
    }
    assert.deepEqual(values.slice(3, 5), values.slice(0, 2));
    assert.ok(values.slice(0, 5).every((v) => !v.includes("\n")));
    assert.match(values[0]!, /^sid=S1\.[^;]+; Max-Age=3600; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
    assert.equal(values[2], clearOf("sid"));
    // A request of the browser in flight beside the ending may have grown the session into chunks.
    assert.equal(values[5], [clearOf("sid"), clearOf("sid.0"), clearOf("sid.1")].join("\n"));
  });

  test("growing past one cookie and shrinking back: chunks, then the plain name, each save expiring what the browser holds and no longer needs", async () => {
    const storage = storageOf();
    const jar = new CookieJar();
    const blob = "x".repeat(3600);
    const step = async (change: (s: Awaited<ReturnType<typeof storage.read>>) => void) => {
      const s = await storage.read(jar.header());
      change(s);
      const value = await storage.save(s);
      jar.take(value);
      return value;
    };
    // New and large: two chunks, and the plain name expired (a request in flight beside this one may set it).
    assert.deepEqual(namesOf(await step((s) => s.set("blob", blob))), ["sid.0", "sid.1", "sid"]);
    assert.deepEqual(jar.names(), ["sid.0", "sid.1"]);
    // Still large: the same names again.
    assert.deepEqual(namesOf(await step((s) => s.set("n", 1))), ["sid.0", "sid.1", "sid"]);
    assert.equal((await storage.read(jar.header())).get("blob"), blob);
    // Small again: the plain name, and both chunks expired.
    const shrunk = await step((s) => s.unset("blob"));
    assert.deepEqual(setCookieLines(shrunk).slice(1), [clearOf("sid.0"), clearOf("sid.1")]);
    assert.deepEqual(jar.names(), ["sid"]);
    assert.equal((await storage.read(jar.header())).get("n"), 1);
    // Small, and small again: one line, as ever.
    assert.deepEqual(namesOf(await step((s) => s.set("n", 2))), ["sid"]);
    // Large again: the chunks, and the plain name expired (it would win over them on the next read).
    const grown = await step((s) => s.set("blob", blob));
    assert.deepEqual(namesOf(grown), ["sid.0", "sid.1", "sid"]);
    assert.equal(setCookieLines(grown)[2], clearOf("sid"));
    assert.deepEqual(jar.names(), ["sid.0", "sid.1"]);
    const back = await storage.read(jar.header());
    assert.deepEqual([back.get("n"), back.get("blob")], [2, blob]);
    // destroy: every cookie of the session the request carried.
    const ended = await storage.destroySession(back);
    assert.equal(ended, [clearOf("sid"), clearOf("sid.0"), clearOf("sid.1")].join("\n"));
    jar.take(ended);
    assert.deepEqual(jar.names(), []);
  });

  test("4 chunks to 2, to 3, to the plain name: each save expires the chunks it no longer uses, the plain name and every chunk past its own", async () => {
    // A long Path leaves each line room for about 1.5 KB: four chunks fit the budget.
    const path = `/${"p".repeat(2509)}`;
    const storage = storageOf({ maxChunks: 4 }, { path, encrypt: false });
    const jar = new CookieJar();
    const save = async (size: number) => {
      const s = await storage.read(jar.header());
      s.set("blob", "x".repeat(size));
      const value = await storage.save(s);
      jar.take(value);
      return value;
    };
    assert.deepEqual(namesOf(await save(4000)), ["sid.0", "sid.1", "sid.2", "sid.3", "sid"]);
    const two = setCookieLines(await save(1700));
    assert.deepEqual(namesOf(two.join("\n")), ["sid.0", "sid.1", "sid", "sid.2", "sid.3"]);
    assert.deepEqual(two.slice(2), [clearOf("sid", path), clearOf("sid.2", path), clearOf("sid.3", path)]);
    assert.deepEqual(jar.names(), ["sid.0", "sid.1"]);
    const three = setCookieLines(await save(2800));
    assert.deepEqual(three.slice(3), [clearOf("sid", path), clearOf("sid.3", path)], "the plain name and every chunk past its own are expired, carried or not");
    assert.deepEqual(jar.names(), ["sid.0", "sid.1", "sid.2"]);
    assert.deepEqual(setCookieLines(await save(10)).slice(1), [clearOf("sid.0", path), clearOf("sid.1", path), clearOf("sid.2", path)]);
    assert.deepEqual(jar.names(), ["sid"]);
    assert.equal((await storage.read(jar.header())).get("blob"), "x".repeat(10));
  });

  test("a session over either cap is a CookieTooLargeError at save, naming the cap and maxChunks", async () => {
    const storage = storageOf();
    const s = await storage.read(null);
    s.set("blob", "x".repeat(6000));
    await assert.rejects(storage.save(s), (e: unknown) => e instanceof CookieTooLargeError && e.limit === 6144 && /over the 6144-byte Cookie budget of maxChunks: /.test(e.message));
    await assert.rejects(storageOf({ maxChunks: 1 }).commitSession(s), (e: unknown) => e instanceof CookieTooLargeError && / over the 4096-byte limit browsers keep: /.test(e.message));
  });

  test("tampered chunks: another session's, one missing, one left over, re-ordered, garbage, too long: a fresh session and one 'tampered' event each", async () => {
    const events: SessionEvent[] = [];
    const storage = storageOf({ maxChunks: 3, onEvent: (e) => events.push(e) });
    const issue = async (blob: string) => {
      const s = await storage.read(null);
      s.set("blob", blob);
      const jar = new CookieJar();
      jar.take(await storage.save(s));
      return jar.cookies;
    };
    const a = await issue("a".repeat(3600));
    const b = await issue("b".repeat(3600));
    const c = await issue("c".repeat(3600));
    assert.deepEqual([...a.keys()], ["sid.0", "sid.1"]);
    const [a0, a1, b1, c0] = [a.get("sid.0")!, a.get("sid.1")!, b.get("sid.1")!, c.get("sid.0")!];
    assert.equal((await storage.read(`sid.0=${a0}; sid.1=${a1}`)).get("blob"), "a".repeat(3600));
    assert.equal((await storage.read(`sid.1=${a1}; other=1; sid.0=${a0}`)).get("blob"), "a".repeat(3600), "the header's order does not matter");
    const forged = [
      `sid.0=${a0}; sid.1=${b1}`,
      `sid.0=${c0}; sid.1=${a1}`,
      `sid.0=${a0}`,
      `sid.0=${a0}; sid.1=${a1}; sid.2=${b1.slice(0, 20)}`,
      `sid.0=${a1}; sid.1=${a0}`,
      `sid.0=${a0}; sid.2=${a1}`,
      "sid.0=garbage; sid.1=more",
      `sid.0=${"A".repeat(3000)}; sid.1=${"A".repeat(3000)}; sid.2=${"A".repeat(3000)}`,
    ];
    events.length = 0;
    for (const header of forged) {
      const session = await storage.read(header);
      assert.equal(session.isNew, true, header.slice(0, 60));
      assert.deepEqual(session.entries(), []);
    }
    assert.equal(events.length, forged.length);
    assert.ok(events.every((e) => e.type === "rejected" && e.reason === "tampered" && e.cookie === "sid"));
    // Without a name.0 there is nothing to open: a fresh session, and nothing was presented.
    assert.equal((await storage.read(`sid.1=${a1}`)).isNew, true);
    assert.equal(events.length, forged.length);
    // The next save of the fresh session expires the broken chunks.
    const fresh = await storage.read(`sid.0=${a0}; sid.2=${a1}`);
    fresh.set("n", 1);
    assert.deepEqual(namesOf(await storage.save(fresh)), ["sid", "sid.0", "sid.2"]);
    // Under another secret, chunks that are otherwise whole are refused too.
    const other = storageOf({ maxChunks: 3 }, { secrets: [SECRET_B] });
    assert.equal((await other.read(`sid.0=${a0}; sid.1=${a1}`)).isNew, true);
  });

  test("two requests racing, one growing the session to 3 chunks and one saving 2: whichever lands last, the browser holds one whole session", async () => {
    // A long Path and Domain are what make a session need more than two chunks within the Cookie budget.
    const path = "/" + "p".repeat(1000);
    const domain = `${Array.from({ length: 4 }, () => "d".repeat(60)).join(".")}.example.com`;
    const events: string[] = [];
    const storage = storageOf({ maxChunks: 4, onEvent: (e) => events.push(e.type) }, { path, domain });
    for (const last of ["2 chunks", "3 chunks"]) {
      const jar = new CookieJar();
      const first = await storage.read(null);
      first.set("user", "ann");
      first.set("draft", "a".repeat(3000));
      jar.take(await storage.save(first));
      assert.deepEqual([...jar.cookies.keys()], ["sid.0", "sid.1"]);
      const [grows, small] = [await storage.read(jar.header()), await storage.read(jar.header())];
      grows.set("draft", "b".repeat(4400));
      small.set("page", "/inbox");
      const [three, two] = [await storage.save(grows), await storage.save(small)];
      assert.deepEqual(namesOf(three), ["sid.0", "sid.1", "sid.2", "sid", "sid.3"]);
      assert.deepEqual(namesOf(two), ["sid.0", "sid.1", "sid", "sid.2", "sid.3"], "2 chunks, and the plain name and the two past them expired");
      for (const lines of last === "2 chunks" ? [three, two] : [two, three]) jar.take(lines);
      const next = await storage.read(jar.header());
      assert.deepEqual([next.get("user"), (next.get("draft") as string | undefined)?.[0], next.get("page")], last === "2 chunks" ? ["ann", "a", "/inbox"] : ["ann", "b", undefined], last);
    }
    assert.deepEqual(events, ["created", "created"], "no read was refused");
  });

  test("a plain cookie wins over chunks beside it, which the next save expires; chunks past maxChunks are none of the session's", async () => {
    const storage = storageOf();
    const s = await storage.read(null);
    s.set("n", 1);
    const plain = (await storage.save(s))!.split(";")[0]!;
    const read = await storage.read(`sid.0=junk; ${plain}; sid.1=junk; sid.2=junk`);
    assert.equal(read.get("n"), 1);
    read.set("n", 2);
    assert.deepEqual(namesOf(await storage.save(read)), ["sid", "sid.0", "sid.1"], "sid.2 is left alone");
  });

  test("an empty plain cookie beside the chunks (one just expired, as Next's cookies() still shows it) hides nothing, and is expired again", async () => {
    const storage = storageOf();
    const s = await storage.read(null);
    s.set("notes", "n".repeat(3500));
    const jar = new CookieJar();
    jar.take(await storage.save(s));
    assert.deepEqual(jar.names(), ["sid.0", "sid.1"]);
    const read = await storage.read(`sid=; ${jar.header()}`);
    assert.equal(read.isNew, false);
    assert.equal((read.get("notes") as string).length, 3500);
    read.set("more", 1);
    assert.deepEqual(namesOf(await storage.save(read)), ["sid.0", "sid.1", "sid"]);
    assert.equal((await storage.read(`sid.0=; sid.1=; sid=`)).isNew, true);
  });

  test("reload() keeps what the request carried: a save after it still expires the unused chunks", async () => {
    const storage = storageOf();
    const jar = new CookieJar();
    const s = await storage.read(null);
    s.set("blob", "x".repeat(3600));
    jar.take(await storage.save(s));
    const read = await storage.read(jar.header());
    read.set("scratch", 1);
    await read.reload();
    assert.equal(read.get("scratch"), undefined);
    read.unset("blob");
    assert.deepEqual(namesOf(await storage.save(read)), ["sid", "sid.0", "sid.1"]);
  });

  test("header mode: the token is one value, never chunked, as without maxChunks", async () => {
    const storage = storageOf({ transport: { header: "x-session-token" } });
    const s = await storage.read(null);
    s.set("blob", "x".repeat(2000));
    const token = (await storage.save(s))!;
    assert.match(token, /^E1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.equal((await storage.read(new Headers({ "x-session-token": token }))).get("blob"), "x".repeat(2000));
    assert.equal(await storage.destroySession(s), "");
    assert.equal((await storage.read(new Headers({ cookie: `sid.0=${token}` }))).isNew, true, "no cookie is read in header mode");
  });

  test("fast-check: for sessions of every size and cookies of many attributes, every Set-Cookie line is within 4096 bytes, the chunks within the 6144-byte budget, and the session reads back", async () => {
    const attributes = fc.record({
      name: fc.constantFrom("sid", "s", "__Secure-session", "a-rather-long-session-cookie-name"),
      path: fc.oneof(fc.constant("/"), fc.stringMatching(/^\/[a-z0-9/]{1,300}$/)),
      domain: fc.constantFrom(undefined, "example.com", "auth.sub.example.co.uk"),
      // (Max-Age=0 would expire the cookie at once.)
      maxAge: fc.option(fc.integer({ min: 1, max: 400 * 86400 }), { nil: undefined }),
      sameSite: fc.constantFrom("lax" as const, "strict" as const, "none" as const),
      partitioned: fc.boolean(),
      priority: fc.constantFrom(undefined, "low" as const, "high" as const),
      encrypt: fc.boolean(),
    });
    const seen = { plain: 0, chunked: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(attributes, fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 5000 }), async (cookie, maxChunks, size) => {
        const storage = createCookieSessionStorage({ maxChunks, cookie: { ...cookie, secure: true, secrets: [SECRET_A] } });
        const s = await storage.read(null);
        s.set("blob", "é".repeat(size % 7) + "x".repeat(size));
        let value: string;
        try {
          value = await storage.commitSession(s);
        } catch (error) {
          assert.ok(error instanceof CookieTooLargeError && /maxChunks/.test(error.message) && size > 2500, String(error));
          seen.refused++;
          return;
        }
        const lines = setCookieLines(value);
        for (const line of lines) assert.ok(Buffer.byteLength(line) <= 4096, `a line of ${Buffer.byteLength(line)} bytes`);
        const jar = new CookieJar();
        jar.take(lines);
        if (lines.length > 1) assert.ok(jar.header()!.length <= 6144);
        seen[lines.length > 1 ? "chunked" : "plain"]++;
        assert.equal((await storage.read(jar.header())).get("blob"), s.get("blob"));
      }),
      { numRuns: 300, seed: 20260120 },
    );
    assert.ok(seen.plain > 30 && seen.chunked > 30 && seen.refused > 30, JSON.stringify(seen));
  });
});
