import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A } from "../../../test/helpers.js";
import { SessionConfigError } from "../errors.js";
import { createCookie } from "./cookie.js";

describe("cookie attributes", () => {
  test("F1, F3, F5: defaults are HttpOnly, Secure, SameSite=Lax, Path=/ and no Domain", async () => {
    const header = await createCookie("sid").serialize(1);
    assert.equal(header, "sid=MQ; Path=/; HttpOnly; Secure; SameSite=Lax");
  });

  test("A5: the name is configurable", async () => {
    assert.match(await createCookie("id").serialize(1), /^id=/);
  });

  test("every option reaches the header", async () => {
    const c = createCookie("__Secure-x", {
      domain: "example.com",
      path: "/app",
      sameSite: "strict",
      partitioned: true,
      priority: "high",
      httpOnly: false,
    });
    assert.equal(
      await c.serialize(1),
      "__Secure-x=MQ; Domain=example.com; Path=/app; Secure; Partitioned; Priority=High; SameSite=Strict",
    );
  });

  test("D6: Max-Age is whole seconds and Expires names the same instant", async () => {
    const c = createCookie("sid", { maxAge: 3600 });
    const header = await c.serialize(1);
    const maxAge = Number(/Max-Age=(\d+)/.exec(header)![1]);
    const expires = Date.parse(/Expires=([^;]+)/.exec(header)![1]!);
    assert.equal(maxAge, 3600);
    assert.ok(Math.abs(expires - (Date.now() + 3600_000)) < 2000);
  });

  test("D6: a fractional Max-Age or one over 400 days is refused at creation", () => {
    assert.throws(() => createCookie("sid", { maxAge: 1.5 }), /maxAge is invalid: 1.5; use a whole number of seconds/);
    assert.throws(() => createCookie("sid", { maxAge: 500 * 86400 }), /over the 400 days \(34560000\)/);
    assert.throws(() => createCookie("sid", { maxAge: -1 }), SessionConfigError);
    createCookie("sid", { maxAge: 400 * 86400 });
  });

  test("F3: sameSite none without secure is refused", () => {
    assert.throws(() => createCookie("sid", { sameSite: "none", secure: false }), /sameSite: "none" requires secure: true/);
    createCookie("sid", { sameSite: "none" });
  });

  test("F6: partitioned without secure is refused", () => {
    assert.throws(() => createCookie("sid", { partitioned: true, secure: false }), /partitioned: true requires secure: true/);
  });

  test("F4: __Host- needs Secure, Path=/ and no Domain; __Secure- needs Secure", () => {
    assert.throws(() => createCookie("__Host-id", { domain: "x.com" }), /__Host- prefix forbids a domain/);
    assert.throws(() => createCookie("__Host-id", { path: "/a" }), /__Host- prefix requires path "\/"/);
    assert.throws(() => createCookie("__Host-id", { secure: false }), /__Host- prefix requires secure: true/);
    assert.throws(() => createCookie("__Secure-id", { secure: false }), /__Secure- prefix requires secure: true/);
    createCookie("__Host-id");
  });

  test("F4: the prefixes are matched in any case, as browsers match them (__host-, __SECURE-)", () => {
    assert.throws(() => createCookie("__host-id", { domain: "x.com" }), /__Host- prefix forbids a domain/);
    assert.throws(() => createCookie("__HOST-id", { path: "/a" }), /__Host- prefix requires path "\/"/);
    assert.throws(() => createCookie("__Host-ID".toLowerCase(), { secure: false }), /__Host- prefix requires secure: true/);
    assert.throws(() => createCookie("__secure-id", { secure: false }), /__Secure- prefix requires secure: true/);
    assert.throws(() => createCookie("__SeCuRe-id", { secure: false }), /__Secure- prefix requires secure: true/);
    createCookie("__host-id");
  });

  test("F7: header injection through name, path or domain throws a TypeError", () => {
    for (const [name, options] of [
      ["a=b; Max-Age=1; x", {}],
      ["sid", { path: "/;Domain=evil" }],
      ["sid", { domain: "evil.com; Secure" }],
      ["sid\r\nSet-Cookie: x=1", {}],
      ["", {}],
    ] as const) {
      assert.throws(() => createCookie(name, options), (e: unknown) => e instanceof TypeError && e instanceof SessionConfigError);
    }
  });

  test("name, domain, path and priority are held to the grammar the cookie package enforces", async () => {
    const { stringifySetCookie } = await import("cookie");
    const theirs = (name: string, options: object) => {
      try {
        stringifySetCookie({ name, value: "", ...options });
        return true;
      } catch {
        return false;
      }
    };
    const ours = (name: string, options: object) => {
      try {
        createCookie(name, options);
        return true;
      } catch (error) {
        assert.ok(error instanceof SessionConfigError, String(error));
        return false;
      }
    };
    const cases: Array<[string, object]> = [
      ["sid", {}], ["a:b", {}], ["a b", {}], ["a=b", {}], ["a;b", {}], ["ü", {}], ["a\tb", {}], ["__proto__", {}],
      ["sid", { domain: "example.com" }], ["sid", { domain: ".example.com" }], ["sid", { domain: "a-b.c0" }],
      ["sid", { domain: "-a.com" }], ["sid", { domain: "a-.com" }], ["sid", { domain: "a..com" }], ["sid", { domain: "a_b.com" }],
      ["sid", { domain: "x".repeat(63) + ".com" }], ["sid", { domain: "x".repeat(64) + ".com" }],
      ["sid", { path: "/a b/ü" }], ["sid", { path: "/a,b" }], ["sid", { path: "/a;b" }], ["sid", { path: "/a<b" }], ["sid", { path: "/a>b" }], ["sid", { path: "/a\x7fb" }],
      ["sid", { priority: "high" }], ["sid", { priority: "urgent" }], ["sid", { priority: "constructor" }],
    ];
    for (const [name, options] of cases) assert.equal(ours(name, options), theirs(name, options), `${name} ${JSON.stringify(options)}`);
    // The cookie package leaves an empty domain or path out; here they are mistakes, not defaults.
    assert.equal(ours("sid", { domain: "" }), false);
    assert.equal(ours("sid", { path: "" }), false);
  });

  test("a bad domain, path or priority names the option and the value", () => {
    assert.throws(() => createCookie("sid", { domain: "evil.com; Secure" }), { message: 'option domain is invalid: "evil.com; Secure"' });
    assert.throws(() => createCookie("sid", { path: "/\r\n" }), { message: 'option path is invalid: "/\\r\\n"' });
    assert.throws(() => createCookie("sid", { priority: "urgent" as "high" }), { message: 'option priority is invalid: "urgent"' });
    assert.throws(() => createCookie(42 as unknown as string), { message: 'cookie name is invalid: 42; use a token such as "__Host-session"' });
    assert.throws(() => createCookie("sid", { domain: 5 as unknown as string }), { message: "option domain is invalid: 5" });
    assert.throws(() => createCookie("sid", { path: 5 as unknown as string }), { message: "option path is invalid: 5" });
    assert.throws(() => createCookie("sid", { priority: 5n as unknown as "high" }), { message: "option priority is invalid: 5" });
  });

  test("an unknown sameSite value is refused with the allowed values", () => {
    assert.throws(() => createCookie("sid", { sameSite: "loose" as "lax" }), /use "lax", "strict" or "none"/);
  });

  test("an invalid expires date is refused", () => {
    assert.throws(() => createCookie("sid", { expires: new Date("nope") }), /option expires is invalid/);
  });

  test("A4: a sealed value matches the 6265bis cookie-octet grammar", async () => {
    const cookieOctets = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;
    for (const encrypt of [false, true]) {
      const header = await createCookie("sid", { secrets: [SECRET_A], encrypt }).serialize({ "ü": "\u0000;,\" " });
      assert.match(header.split(";")[0]!.slice(4), cookieOctets);
    }
  });
});

describe("the rendered Set-Cookie", () => {
  test("matches the cookie package's own serialization for every attribute combination", async () => {
    const { stringifySetCookie } = await import("cookie");
    const { SealedCookie } = await import("./cookie.js");
    const now = Date.UTC(2026, 0, 1);
    for (const domain of [undefined, "example.com"])
      for (const path of ["/", "/app"])
        for (const httpOnly of [true, false])
          for (const sameSite of ["lax", "strict", "none"] as const)
            for (const partitioned of [false, true])
              for (const priority of [undefined, "low", "medium", "high"] as const)
                for (const maxAge of [undefined, 0, 3600])
                  for (const expires of [undefined, new Date(now + 5000)]) {
                    const options = { domain, path, httpOnly, sameSite, partitioned, priority, maxAge, expires };
                    const c = new SealedCookie("sid", options, [], () => now);
                    const ours = c.setCookie("abc.DEF_-1");
                    const theirs = stringifySetCookie({
                      name: "sid", value: "abc.DEF_-1", ...options, secure: true,
                      expires: maxAge !== undefined ? new Date(now + maxAge * 1000) : expires,
                    });
                    assert.equal(ours, theirs, JSON.stringify(options));
                    assert.equal(c.clear(), stringifySetCookie({ name: "sid", value: "", ...options, secure: true, maxAge: 0, expires: new Date(0) }));
                  }
  });
});
