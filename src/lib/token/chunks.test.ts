// The chunked cookie carrier on its own: how a sealed value is cut into lines
// and read back, the byte bounds of every line, the two caps, and what each
// save expires. The sessions built on it are tested in chunked-sessions.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SealedCookie, type CookieOptions } from "../cookie/cookie.js";
import { CookieTooLargeError, SessionConfigError } from "../errors.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { setCookieLines } from "../util/set-cookie-lines.js";
import { checkMaxChunks, chunkedCookie } from "./chunks.js";

const NOW = Date.UTC(2026, 0, 1);
const cookieOf = (options: CookieOptions = {}, name = "sid") => new SealedCookie(name, { secure: false, ...options }, [], () => NOW);
const clearOf = (name: string, path = "/") => `${name}=; Max-Age=0; Path=${path}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax`;
/** The Cookie header a browser sends back for `lines` (none of them expiring a cookie). */
const sentBack = (lines: string[]) => lines.map((line) => line.split(";")[0]).join("; ");
/** The lines of a save that set a cookie, and the names of those it expires. */
const split = (value: string) => {
  const lines = setCookieLines(value);
  const expiring = (line: string) => line.includes("=; Max-Age=0;");
  return { set: lines.filter((line) => !expiring(line)), expired: lines.filter(expiring).map((line) => line.slice(0, line.indexOf("="))) };
};
const TOO_LARGE_TAIL = ": store less in the session, or use an id-based storage (memory, file, Redis, PostgreSQL)";

describe("chunked cookies: the carrier", () => {
  test("every value length from 1 to past the budget: one plain line, else full chunks, each line within 4096 bytes, read back whole", () => {
    const cookie = cookieOf({ maxAge: 3600 });
    const carrier = chunkedCookie(cookie, 4);
    // `sid=` and the attributes (Max-Age, Path, Expires, HttpOnly, SameSite): what a line leaves for the value.
    const attributes = cookie.setCookie("", 3600).length - "sid=".length;
    const room = 4096 - "sid".length - attributes;
    const piece = room - ".0=".length;
    let plain = 0;
    let chunked = 0;
    let refused = 0;
    for (let length = 1; length <= 6300; length++) {
      const value = "v".repeat(length);
      const bytes = length + Math.ceil(length / piece) * "sid.0=; ".length - 2;
      if (length >= room && bytes > 6144) {
        assert.throws(() => carrier.issue(value, 3600, 0), CookieTooLargeError);
        refused++;
        continue;
      }
      const { set: lines, expired } = split(carrier.issue(value, 3600, 0));
      for (const line of lines) assert.ok(line.length <= 4096, `${length}: a line of ${line.length} bytes`);
      if (length < room) {
        assert.deepEqual([lines, expired], [[cookie.setCookie(value, 3600)], []], "the plain name, byte for byte as one cookie");
        if (length === room - 1) assert.equal(lines[0]!.length, 4096);
        plain++;
      } else {
        assert.equal(lines.length, Math.ceil(length / piece));
        assert.deepEqual(expired, ["sid", ...["sid.0", "sid.1", "sid.2", "sid.3"].slice(lines.length)], "the plain name and every chunk past these, carried or not");
        assert.equal(lines[0]!.length, 4096, "every chunk but the last is full");
        lines.forEach((line, i) => assert.ok(line.startsWith(`sid.${i}=`) && line.endsWith(cookie.setCookie("", 3600).slice(4))));
        assert.ok(sentBack(lines).length <= 6144);
        assert.deepEqual(carrier.read!(sentBack(lines)), { token: value, sent: (2 << lines.length) - 2 });
        chunked++;
      }
    }
    assert.equal(plain, room - 1);
    assert.ok(chunked > 2000 && refused > 0, `${chunked} chunked, ${refused} refused`);
  });

  test("the Cookie budget: the largest value that fits, and one byte more is a CookieTooLargeError naming the cap and the option", () => {
    const carrier = chunkedCookie(cookieOf(), 4);
    // Two chunks come back as `sid.0=…; sid.1=…`: 14 bytes besides the value.
    const largest = "v".repeat(6144 - 14);
    assert.equal(sentBack(split(carrier.issue(largest, undefined, 0)).set).length, 6144);
    assert.throws(
      () => carrier.issue(`${largest}v`, undefined, 0),
      (e: unknown) =>
        e instanceof CookieTooLargeError &&
        e.cookieName === "sid" &&
        e.size === 6145 &&
        e.limit === 6144 &&
        e.message === `cookie "sid" would be 6145 bytes, over the 6144-byte Cookie budget of maxChunks${TOO_LARGE_TAIL}`,
    );
  });

  test("maxChunks: a value that needs more chunks than it allows is a CookieTooLargeError naming maxChunks", () => {
    // A long Path leaves each line room for 1,549 bytes of value only.
    const path = `/${"p".repeat(2509)}`;
    const cookie = cookieOf({ path });
    const two = chunkedCookie(cookie, 2);
    const piece = 4096 - "sid.0=".length - (cookie.setCookie("").length - "sid=".length);
    assert.equal(piece, 1549);
    assert.equal(split(two.issue("v".repeat(2 * piece), undefined, 0)).set.length, 2);
    assert.throws(
      () => two.issue("v".repeat(2 * piece + 1), undefined, 0),
      (e: unknown) =>
        e instanceof CookieTooLargeError &&
        e.size === 3099 &&
        e.limit === 3098 &&
        e.message === `cookie "sid" would be 3099 bytes, over what maxChunks: 2 carries${TOO_LARGE_TAIL}`,
    );
    assert.equal(split(chunkedCookie(cookie, 4).issue("v".repeat(3 * piece + 1), undefined, 0)).set.length, 4);
  });

  test("attributes that leave no room for a chunk: the one-line limit, as without chunks", () => {
    const cookie = cookieOf({ path: `/${"p".repeat(4060)}` });
    assert.throws(
      () => chunkedCookie(cookie, 4).issue("v".repeat(100), undefined, 0),
      (e: unknown) => e instanceof CookieTooLargeError && e.size === 4196 && e.message === `cookie "sid" would be 4196 bytes, over the 4096-byte limit browsers keep${TOO_LARGE_TAIL}`,
    );
  });

  test("a __Host- or __Secure- prefix stays at the front of every chunk's name", () => {
    for (const name of ["__Host-session", "__Secure-session"]) {
      const { set: lines, expired } = split(chunkedCookie(cookieOf({ secure: true }, name), 2).issue("v".repeat(5000), undefined, 0));
      assert.deepEqual(
        lines.map((line) => line.slice(0, line.indexOf("="))),
        [`${name}.0`, `${name}.1`],
      );
      assert.deepEqual(expired, [name]);
      for (const line of lines) assert.match(line, /; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    }
  });

  test("read: the plain name first, else the chunks from name.0 on, as far as they run, joined; sent tells which came; no more than maxChunks are looked at", () => {
    const carrier = chunkedCookie(cookieOf(), 2);
    assert.deepEqual(carrier.read!("sid=a; sid.0=b; sid.1=c; sid.2=d"), { token: "a", sent: 0b111 });
    assert.deepEqual(carrier.read!("sid.0=b; sid.1=c; sid.2=d"), { token: "bc", sent: 0b110 }, "sid.2 is no cookie of maxChunks 2");
    assert.deepEqual(carrier.read!("other=1; sid.1=c; x=2; sid.0=b"), { token: "bc", sent: 0b110 }, "in order of their number, wherever they are");
    assert.deepEqual(carrier.read!("sid.1=c"), { token: undefined, sent: 0b100 }, "no name.0: nothing to open");
    assert.deepEqual(chunkedCookie(cookieOf(), 3).read!("sid.0=b; sid.2=d"), { token: "b", sent: 0b1010 }, "the run from name.0 stops at a missing chunk");
    // An empty one is no token (a cookie just expired), but it is expired again by the next save.
    assert.deepEqual(carrier.read!("sid="), { token: undefined, sent: 0b1 });
    assert.deepEqual(carrier.read!("xsid.0=1; sid.0x=2; sid.00=3; sid=4"), { token: "4", sent: 0b1 });
    assert.deepEqual(carrier.read!(null), { token: undefined, sent: 0 });
    assert.deepEqual(carrier.read!("a=1"), { token: undefined, sent: 0 });
    assert.deepEqual(carrier.read!(new Headers({ cookie: "sid.0=b; sid.1=c" })), { token: "bc", sent: 0b110 });
    assert.equal(carrier.token(new Request("http://x/", { headers: { cookie: "sid.0=b; sid.1=c" } })), "bc");
  });

  test("issue and clear expire each cookie the request carried that the new one does not use; in chunks the plain name and every chunk past its own too, at the end all, carried or not", () => {
    const cookie = cookieOf();
    const carrier = chunkedCookie(cookie, 3);
    const small = cookie.setCookie("abc");
    assert.equal(carrier.issue("abc", undefined, 0), small);
    assert.equal(carrier.issue("abc", undefined, 0b1), small, "the plain name is set again: nothing to expire");
    assert.equal(carrier.issue("abc", undefined, 0b1111), [small, clearOf("sid.0"), clearOf("sid.1"), clearOf("sid.2")].join("\n"));
    const big = "v".repeat(5000);
    const [zero, one, ...past] = setCookieLines(carrier.issue(big, undefined, 0));
    // Two requests of one browser in flight: the other may have set the plain name, or more chunks.
    assert.deepEqual(past, [clearOf("sid"), clearOf("sid.2")], "in chunks, the plain name and every chunk past its own are expired, carried or not");
    assert.equal(carrier.issue(big, undefined, 0b110), [zero, one, clearOf("sid"), clearOf("sid.2")].join("\n"));
    assert.equal(carrier.issue(big, undefined, 0b1001), [zero, one, clearOf("sid"), clearOf("sid.2")].join("\n"));
    // The end of the session: every cookie of it, whatever this request carried.
    const all = [clearOf("sid"), clearOf("sid.0"), clearOf("sid.1"), clearOf("sid.2")].join("\n");
    assert.equal(carrier.clear(), all);
    assert.equal(carrier.clear(0b1), all);
    assert.equal(carrier.clear(0b1010), all);
    assert.equal(chunkedCookie(cookieOf({ path: "/app" }), 2).clear(0b110), [clearOf("sid", "/app"), clearOf("sid.0", "/app"), clearOf("sid.1", "/app")].join("\n"));
  });

  test("maxChunks is a whole number from 1 to 4, checked when the storage is made (header mode too)", () => {
    for (const good of [undefined, 1, 2, 3, 4]) assert.equal(checkMaxChunks(good), good ?? 1);
    for (const bad of [0, 5, 1.5, -1, Number.NaN, Infinity, "2" as unknown as number]) {
      const message = `option maxChunks is invalid: ${String(bad)}; use a whole number from 1 to 4`;
      assert.throws(() => createCookieSessionStorage({ maxChunks: bad }), (e: unknown) => e instanceof SessionConfigError && e.message === message);
      assert.throws(() => createCookieSessionStorage({ maxChunks: bad, transport: { header: "x-session-token" } }), SessionConfigError);
    }
  });
});
