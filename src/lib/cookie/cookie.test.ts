import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BACKENDS, SECRET_A, SECRET_B, cookiePair } from "../../../test/helpers.js";
import { CookieTooLargeError, SessionConfigError } from "../errors.js";
import { createCookie, type CookieOptions } from "./cookie.js";

/** The raw value of a Set-Cookie. */
const valueOf = (setCookie: string) => cookiePair(setCookie).slice(cookiePair(setCookie).indexOf("=") + 1);

for (const kind of BACKENDS) {
  describe(`cookie values on the ${kind} crypto backend`, () => {
    const make = (name: string, options: CookieOptions) => createCookie(name, { ...options, crypto: kind });

    test("an unsigned cookie whose bytes are no UTF-8, or begin with a byte-order mark, parses as on the other backend: nothing", async () => {
      const c = make("prefs", { secrets: [] });
      const b64 = (bytes: number[]) => Buffer.from(bytes).toString("base64url");
      // "1" after a BOM; a lone 0xFF; the same lone byte as an overlong form.
      for (const bytes of [[0xef, 0xbb, 0xbf, 0x31], [0x22, 0xff, 0x22], [0x22, 0xc0, 0xbf, 0x22]]) {
        assert.equal(await c.parse(`prefs=${b64(bytes)}`), null, bytes.join(","));
      }
      assert.equal(await c.parse(`prefs=${b64([0x31])}`), 1);
    });

    test("a signed cookie round-trips JSON, non-ASCII included", async () => {
      const c = make("prefs", { secrets: [SECRET_A] });
      const header = await c.serialize({ theme: "dark", name: "Zoë 🌙" });
      assert.match(valueOf(header), /^S1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(await c.parse(cookiePair(header)), { theme: "dark", name: "Zoë 🌙" });
    });

    test("an encrypted cookie round-trips and does not show its plaintext", async () => {
      const c = make("prefs", { secrets: [SECRET_A], encrypt: true });
      const header = await c.serialize({ secret: "plaintext-marker" });
      assert.match(valueOf(header), /^E1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+$/);
      assert.ok(!Buffer.from(valueOf(header).split(".")[2]!, "base64url").toString("latin1").includes("plaintext-marker"));
      assert.deepEqual(await c.parse(cookiePair(header)), { secret: "plaintext-marker" });
    });

    test("G1: flipping any byte of nonce, ciphertext or tag is rejected", async () => {
      const c = make("s", { secrets: [SECRET_A], encrypt: true });
      const value = valueOf(await c.serialize({ a: 1 }));
      const [v, kid, blob] = value.split(".") as [string, string, string];
      const bytes = Buffer.from(blob, "base64url");
      for (let i = 0; i < bytes.length; i++) {
        const flipped = Buffer.from(bytes);
        flipped[i]! ^= 0x01;
        assert.equal(await c.parse(`s=${v}.${kid}.${flipped.toString("base64url")}`), null, `byte ${i}`);
      }
    });

    test("G1: two saves of the same data use different nonces", async () => {
      const c = make("s", { secrets: [SECRET_A], encrypt: true });
      const a = valueOf(await c.serialize({ a: 1 }));
      const b = valueOf(await c.serialize({ a: 1 }));
      assert.notEqual(a, b);
      assert.notEqual(Buffer.from(a.split(".")[2]!, "base64url").subarray(0, 12).toString("hex"),
        Buffer.from(b.split(".")[2]!, "base64url").subarray(0, 12).toString("hex"));
    });

    test("G2: nothing before or after the signed portion is accepted", async () => {
      const c = make("s", { secrets: [SECRET_A] });
      const s = valueOf(await c.serialize("v"));
      assert.equal(await c.parse(`s=${s}`), "v");
      for (const forged of [s + "x", s + ".x", "x" + s, "x." + s, s + "=", s.slice(0, -1), s.slice(1)]) {
        assert.equal(await c.parse(`s=${forged}`), null, forged);
      }
    });

    test("G2: every single-character change of a signed value is rejected", async () => {
      const c = make("s", { secrets: [SECRET_A] });
      const s = valueOf(await c.serialize({ admin: false }));
      for (let i = 0; i < s.length; i++) {
        const ch = s[i] === "A" ? "B" : "A";
        const forged = s.slice(0, i) + ch + s.slice(i + 1);
        if (forged !== s) assert.equal(await c.parse(`s=${forged}`), null, `position ${i}`);
      }
    });

    test("G5: a value issued for one cookie name is rejected under another", async () => {
      for (const encrypt of [false, true]) {
        const flash = make("flash", { secrets: [SECRET_A], encrypt });
        const session = make("session", { secrets: [SECRET_A], encrypt });
        const value = valueOf(await flash.serialize({ userId: 1 }));
        assert.equal(await session.parse(`session=${value}`), null);
        assert.deepEqual(await flash.parse(`flash=${value}`), { userId: 1 });
      }
    });

    test("G4: an older secret still verifies; a removed one does not", async () => {
      const old = make("s", { secrets: [SECRET_B] });
      const rotated = make("s", { secrets: [SECRET_A, SECRET_B] });
      const dropped = make("s", { secrets: [SECRET_A] });
      const header = cookiePair(await old.serialize("hello"));
      assert.equal(await rotated.parse(header), "hello");
      assert.equal(await dropped.parse(header), null);
      // The first secret signs.
      const fresh = valueOf(await rotated.serialize("x"));
      assert.equal(fresh.split(".")[1], valueOf(await dropped.serialize("x")).split(".")[1]);
    });

    test("a plain cookie round-trips; bytes that are not UTF-8 JSON are no value", async () => {
      const c = make("p", {});
      const header = await c.serialize({ a: "é" });
      assert.equal(valueOf(header), Buffer.from('{"a":"é"}').toString("base64url"));
      assert.deepEqual(await c.parse(cookiePair(header)), { a: "é" });
      assert.equal(await c.parse(`p=${Buffer.from([0xff, 0xfe]).toString("base64url")}`), null);
    });

    test("G6: the payload is inert JSON: code-bearing strings stay strings", async () => {
      const c = make("s", { secrets: [SECRET_A] });
      const evil = { rce: "_$$ND_FUNC$$_function(){ globalThis.pwned = 1 }()" };
      assert.deepEqual(await c.parse(cookiePair(await c.serialize(evil))), evil);
      assert.equal((globalThis as { pwned?: number }).pwned, undefined);
    });
  });
}

describe("the crypto option", () => {
  /** Runs `fn` counting calls to Web Crypto's sign and encrypt. */
  async function countWebCrypto(fn: () => Promise<void>): Promise<number> {
    const subtle = globalThis.crypto.subtle;
    const { sign, encrypt } = subtle;
    let calls = 0;
    subtle.sign = (...args) => (calls++, sign.apply(subtle, args));
    subtle.encrypt = (...args) => (calls++, encrypt.apply(subtle, args));
    try {
      await fn();
    } finally {
      delete (subtle as Partial<SubtleCrypto>).sign;
      delete (subtle as Partial<SubtleCrypto>).encrypt;
    }
    return calls;
  }

  test('"web" seals with Web Crypto, "node" and the default on Node never touch it', async () => {
    for (const [crypto, expected] of [["web", 2], ["node", 0], [undefined, 0]] as const) {
      const calls = await countWebCrypto(async () => {
        await createCookie("s", { secrets: [SECRET_A], crypto }).serialize(1);
        await createCookie("e", { secrets: [SECRET_A], crypto, encrypt: true }).serialize(1);
      });
      assert.equal(calls, expected, String(crypto));
    }
  });

  test("both backends produce the same signed bytes and open each other's values", async () => {
    const node = createCookie("s", { secrets: [SECRET_A], crypto: "node" });
    const web = createCookie("s", { secrets: [SECRET_A], crypto: "web" });
    assert.equal(await node.serialize({ a: "é" }), await web.serialize({ a: "é" }));
    for (const encrypt of [false, true]) {
      const [n, w] = (["node", "web"] as const).map((crypto) => createCookie("s", { secrets: [SECRET_A], crypto, encrypt }));
      assert.deepEqual(await w!.parse(cookiePair(await n!.serialize({ from: "node" }))), { from: "node" }, `encrypt: ${encrypt}`);
      assert.deepEqual(await n!.parse(cookiePair(await w!.serialize({ from: "web" }))), { from: "web" }, `encrypt: ${encrypt}`);
    }
  });

  test("an unknown value is a configuration error", () => {
    assert.throws(() => createCookie("c", { crypto: "wasm" as "web" }), {
      name: "SessionConfigError",
      message: 'option crypto is invalid: wasm; use "node" or "web", or leave it unset',
    });
  });
});

describe("parsing the Cookie header", () => {
  test("F10: the cookie is found in any of several header fields, in any order", async () => {
    const c = createCookie("sid", { secrets: [SECRET_A] });
    const pair = cookiePair(await c.serialize(42));
    const headers = new Headers();
    headers.append("cookie", "a=1");
    headers.append("cookie", pair);
    headers.append("cookie", "b=2");
    assert.equal(await c.parse(headers), 42);
    assert.equal(await c.parse(new Request("http://x/", { headers })), 42);
    assert.equal(await c.parse(`z=1; ${pair}; y=2`), 42);
  });

  test("H1: __proto__ cookies are inert and pollute nothing", async () => {
    const c = createCookie("sid", { secrets: [SECRET_A] });
    const pair = cookiePair(await c.serialize({ ok: true }));
    assert.deepEqual(await c.parse(`__proto__=%7B%22injected%22%3A1%7D; constructor=x; ${pair}`), { ok: true });
    assert.equal(({} as { injected?: number }).injected, undefined);
  });

  test("H2: cookie names equal to Object.prototype members do not crash the parser", async () => {
    const c = createCookie("sid", { secrets: [SECRET_A] });
    const pair = cookiePair(await c.serialize("v"));
    assert.equal(await c.parse(`hasOwnProperty=1; toString=2; valueOf=3; ${pair}`), "v");
    assert.equal(await createCookie("toString").parse("toString=2"), null);
  });

  test("H4: malformed percent-encoding or base64 is no value, never an exception", async () => {
    const c = createCookie("sid", { secrets: [SECRET_A] });
    for (const header of ["sid=%E0%A4%A", "sid=abc.%%%", "sid=S1.%%.%%.%%", "sid=E1.x.\u0000", "sid=", "sid", "=sid", ";;;", "sid=\"\""]) {
      assert.equal(await c.parse(header), null, header);
    }
    const plain = createCookie("p");
    assert.equal(await plain.parse("p=%E0%A4%A"), null);
    assert.equal(await plain.parse("p=bm90IGpzb24"), null); // base64url of "not json"
  });

  test("H5: a 16,000-byte header of 2,000 tiny pairs still yields the cookie", async () => {
    const c = createCookie("sid", { secrets: [SECRET_A] });
    const pair = cookiePair(await c.serialize("found"));
    const filler = Array.from({ length: 2000 }, (_, i) => `c${i}=${i % 10}`).join("; ");
    const header = `${filler.slice(0, 16_000 - pair.length - 2)}; ${pair}`;
    assert.ok(header.length <= 16_384);
    assert.equal(await c.parse(header), "found");
  });

  test("H5: a Cookie header over 16 KiB (Bun, Deno and Workers accept them) still yields the cookie", async () => {
    const c = createCookie("sid", { secrets: [SECRET_A] });
    const pair = cookiePair(await c.serialize("found"));
    const filler = Array.from({ length: 8000 }, (_, i) => `c${i}=${i % 10}`).join("; ");
    assert.ok(filler.length > 64 * 1024);
    assert.equal(await c.parse(`${filler}; ${pair}`), "found", "last of 8,001 cookies");
    assert.equal(await c.parse(`${pair}; pad=${"x".repeat(100_000)}`), "found", "before 100 kB of padding");
  });

  test("the name is matched only where a cookie begins, never inside another cookie's name or value", async () => {
    const c = createCookie("sid", { secrets: [SECRET_A] });
    const pair = cookiePair(await c.serialize("found"));
    const value = pair.slice(4);
    assert.equal(await c.parse(`xsid=${value}`), null, "a longer name ending in sid");
    assert.equal(await c.parse(`other=sid=${value}`), null, "sid= inside a value");
    assert.equal(await c.parse(`sidx=1; a=b;sid = ${value} ; z=1`), "found", "whitespace around = and ; is allowed");
    assert.equal(await c.parse(`sid="${value}"`), "found", "a quoted value");
    assert.equal(await c.parse("sid"), null, "a name without =");
  });

  test("with the same name twice, the first one wins", async () => {
    const c = createCookie("sid", { secrets: [SECRET_A] });
    const first = cookiePair(await c.serialize("first"));
    const second = cookiePair(await c.serialize("second"));
    assert.equal(await c.parse(`${first}; ${second}`), "first");
  });

  test("a missing header, null or an empty string is no value", async () => {
    const c = createCookie("sid", { secrets: [SECRET_A] });
    assert.equal(await c.parse(null), null);
    assert.equal(await c.parse(undefined), null);
    assert.equal(await c.parse(""), null);
    assert.equal(await c.parse(new Headers()), null);
  });
});

describe("unsigned cookies", () => {
  test("a plain cookie round-trips JSON as base64url", async () => {
    const c = createCookie("consent");
    assert.equal(c.isSigned, false);
    const header = await c.serialize({ analytics: false });
    assert.equal(valueOf(header), Buffer.from('{"analytics":false}').toString("base64url"));
    assert.deepEqual(await c.parse(cookiePair(header)), { analytics: false });
  });

  test("a signed cookie does not accept an unsigned value of the same name", async () => {
    const plain = createCookie("c");
    const signed = createCookie("c", { secrets: [SECRET_A] });
    assert.equal(await signed.parse(cookiePair(await plain.serialize({ admin: true }))), null);
  });
});

describe("serializing", () => {
  test("F9: a Set-Cookie over 4096 bytes is a CookieTooLargeError", async () => {
    const c = createCookie("big", { secrets: [SECRET_A] });
    await assert.rejects(c.serialize({ blob: "x".repeat(5000) }), (e: unknown) => {
      assert.ok(e instanceof CookieTooLargeError);
      assert.equal(e.cookieName, "big");
      assert.ok(e.size > 4096);
      assert.match(e.message, /over the 4096-byte limit/);
      return true;
    });
  });

  test("a value that is not JSON data is a TypeError", async () => {
    await assert.rejects(createCookie("c").serialize(undefined), TypeError);
    await assert.rejects(createCookie("c").serialize(() => 1), TypeError);
  });

  test("clear() expires the cookie with the same Name/Path/Domain", () => {
    const c = createCookie("sid", { path: "/app", domain: "example.com" });
    assert.equal(
      c.clear(),
      "sid=; Max-Age=0; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax",
    );
  });

  test("encrypt without secrets is a configuration error", () => {
    assert.throws(() => createCookie("c", { encrypt: true }), SessionConfigError);
  });
});
