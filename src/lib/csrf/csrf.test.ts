// CSRF tokens bound to the session, and the check of an unsafe request (token, Fetch Metadata, Origin).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair } from "../../../test/helpers.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { checkCsrf, type CsrfRequest, type CsrfResult } from "./check.js";
import { csrfToken, verifyCsrfToken } from "./token.js";

const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" } });
const fresh = () => storage.read(null);

/** A POST to 127.0.0.1:3000 with these headers (and form fields). */
function post(headers: Record<string, string>, form: Record<string, string> = {}): CsrfRequest {
  return { method: "POST", host: "127.0.0.1:3000", header: (name) => headers[name] ?? null, field: (name) => form[name] ?? null };
}

describe("csrf tokens", () => {
  test("each token is masked anew; every one verifies for its session, none for another", async () => {
    const s = await fresh();
    const [a, b] = [csrfToken(s), csrfToken(s)];
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9_-]{86}$/);
    assert.deepEqual([verifyCsrfToken(s, a), verifyCsrfToken(s, b)], [true, true]);
    const other = await fresh();
    csrfToken(other);
    assert.equal(verifyCsrfToken(other, a), false);
  });

  test("the secret is saved with the session and read back; it is not one of its values and cannot be set", async () => {
    const s = await fresh();
    assert.equal(s.dirty, false);
    const token = csrfToken(s);
    assert.equal(s.dirty, true, "the first token gives the session its secret");
    const again = await storage.read(cookiePair(await storage.save(s)));
    assert.equal(verifyCsrfToken(again, token), true);
    assert.deepEqual([again.entries(), again.toJSON().data], [[], {}]);
    assert.throws(() => (again as { set(k: string, v: unknown): void }).set("__csrf__", "x"), /reserved for the CSRF secret/);
    csrfToken(again);
    assert.equal(again.dirty, false, "later tokens change nothing");
  });

  test("regenerateId() renews the secret, with or without a keep list: a token from before a sign-in is dead", async () => {
    for (const keep of [undefined, [] as string[]]) {
      const s = await fresh();
      const before = csrfToken(s);
      s.regenerateId(keep ? { keep } : {});
      assert.equal(verifyCsrfToken(s, before), false);
      const after = csrfToken(s);
      const read = await storage.read(cookiePair(await storage.save(s)));
      assert.deepEqual([verifyCsrfToken(read, before), verifyCsrfToken(read, after)], [false, true]);
    }
  });

  test("anything that is not a token of the session is refused, without a throw", async () => {
    const s = await fresh();
    assert.equal(verifyCsrfToken(s, csrfToken(await fresh())), false, "a session without a secret accepts nothing");
    const token = csrfToken(s);
    const flipped = (token[0] === "A" ? "B" : "A") + token.slice(1);
    for (const bad of [flipped, token.slice(0, -1), token + "A", "", "*".repeat(86), "A".repeat(100000), undefined, null, 42, [token]]) {
      assert.equal(verifyCsrfToken(s, bad), false, String(bad).slice(0, 20));
    }
    s.destroy();
    assert.throws(() => csrfToken(s), /destroyed/);
  });
});

describe("checkCsrf", () => {
  test("safe methods pass; an unsafe one needs this session's token, from the header or the form field", async () => {
    const s = await fresh();
    const token = csrfToken(s);
    for (const method of ["GET", "HEAD", "OPTIONS", "get"]) assert.deepEqual(checkCsrf(s, { ...post({}), method }), { ok: true });
    assert.deepEqual(checkCsrf(s, post({ "x-csrf-token": token })), { ok: true });
    assert.deepEqual(checkCsrf(s, post({}, { _csrf: token })), { ok: true });
    assert.deepEqual(checkCsrf(s, post({ "x-token": token }), { header: "x-token" }), { ok: true });
    assert.deepEqual(checkCsrf(s, post({}, { token }), { field: "token" }), { ok: true });
    assert.deepEqual(checkCsrf(s, post({})), { ok: false, reason: "missing-token", message: "Forbidden: this request carries no CSRF token" });
    assert.deepEqual(checkCsrf(s, post({ "x-csrf-token": csrfToken(await fresh()) })), {
      ok: false,
      reason: "invalid-token",
      message: "Forbidden: this request's CSRF token is not this session's",
    });
    for (const method of ["PUT", "PATCH", "DELETE", "PROPFIND"]) assert.equal(checkCsrf(s, { ...post({}), method }).ok, false, method);
  });

  test("Fetch Metadata: another site's page is refused even with a token; a sibling subdomain only when allowed", async () => {
    const s = await fresh();
    const token = csrfToken(s);
    assert.deepEqual(checkCsrf(s, post({ "sec-fetch-site": "cross-site", "x-csrf-token": token })), {
      ok: false,
      reason: "cross-site",
      message: "Forbidden: this request came from another site's page",
    });
    assert.equal(checkCsrf(s, post({ "sec-fetch-site": "same-site", "x-csrf-token": token })).ok, false);
    assert.equal(checkCsrf(s, post({ "sec-fetch-site": "same-site", "x-csrf-token": token }), { allowSameSite: true }).ok, true);
    for (const site of ["same-origin", "none"]) assert.equal(checkCsrf(s, post({ "sec-fetch-site": site, "x-csrf-token": token })).ok, true, site);
  });

  test("Origin: this host, or a trusted origin; null and anything else refused", async () => {
    const s = await fresh();
    const token = csrfToken(s);
    const withOrigin = (origin: string, options = {}) => checkCsrf(s, post({ origin, "x-csrf-token": token }), options);
    assert.equal(withOrigin("http://127.0.0.1:3000").ok, true);
    assert.equal(withOrigin("HTTP://127.0.0.1:3000").ok, true);
    for (const origin of ["http://127.0.0.1:3001", "http://evil.example", "null", "file://", "not a url"]) {
      assert.deepEqual(withOrigin(origin), { ok: false, reason: "origin", message: "Forbidden: this request's Origin is not this site" }, origin);
    }
    assert.equal(withOrigin("https://admin.example", { trustedOrigins: ["https://admin.example"] }).ok, true);
  });

  test("a page sent with Referrer-Policy: no-referrer posts Origin: null and Sec-Fetch-Site: same-origin: the browser vouches for it, the token decides", async () => {
    const s = await fresh();
    const token = csrfToken(s);
    assert.deepEqual(checkCsrf(s, post({ origin: "null", "sec-fetch-site": "same-origin", "x-csrf-token": token })), { ok: true });
    assert.equal(checkCsrf(s, post({ origin: "null", "sec-fetch-site": "same-origin", "x-csrf-token": "nope" })).ok, false);
    assert.equal(checkCsrf(s, post({ origin: "null", "sec-fetch-site": "cross-site", "x-csrf-token": token })).ok, false);
  });

  test("a trusted origin's page may post although the browser marks it same-site or cross-site; no other page may", async () => {
    const s = await fresh();
    const token = csrfToken(s);
    const trustedOrigins = ["https://admin.example"];
    for (const site of ["same-site", "cross-site"]) {
      assert.deepEqual(checkCsrf(s, post({ origin: "https://admin.example", "sec-fetch-site": site, "x-csrf-token": token }), { trustedOrigins }), { ok: true }, site);
      assert.equal(checkCsrf(s, post({ origin: "https://evil.example", "sec-fetch-site": site, "x-csrf-token": token }), { trustedOrigins }).ok, false, site);
      assert.equal(checkCsrf(s, post({ "sec-fetch-site": site, "x-csrf-token": token }), { trustedOrigins }).ok, false, `${site} without Origin`);
    }
    assert.equal(checkCsrf(s, post({ origin: "https://admin.example", "sec-fetch-site": "cross-site" }), { trustedOrigins }).ok, false, "still needs the token");
  });

  test("allowSameSite: a sibling subdomain's page, whose Origin a browser always sends, passes with the token", async () => {
    const s = await fresh();
    const token = csrfToken(s);
    const sibling = { origin: "https://www.app.example", "sec-fetch-site": "same-site", "x-csrf-token": token };
    const reason = (result: CsrfResult) => (result.ok ? "ok" : result.reason);
    assert.deepEqual(checkCsrf(s, post(sibling), { allowSameSite: true }), { ok: true });
    assert.equal(reason(checkCsrf(s, post(sibling))), "cross-site", "not without the option");
    assert.equal(reason(checkCsrf(s, post({ ...sibling, "x-csrf-token": "nope" }), { allowSameSite: true })), "invalid-token");
    assert.equal(reason(checkCsrf(s, post({ origin: "https://www.app.example", "x-csrf-token": token }), { allowSameSite: true })), "origin", "without Fetch Metadata, Origin decides");
  });

  test("trustedOrigins that is not an array is a TypeError, never a substring match", async () => {
    const s = await fresh();
    const request = post({ origin: "https://admin.example.co", "sec-fetch-site": "cross-site", "x-csrf-token": csrfToken(s) });
    assert.throws(() => checkCsrf(s, request, { trustedOrigins: "https://admin.example.com" as never }), {
      name: "TypeError",
      message: 'option trustedOrigins must be an array of origins, such as ["https://admin.example"]; got a string',
    });
  });

  test("the header option is a header name, whatever its case", async () => {
    const s = await fresh();
    const token = csrfToken(s);
    // Node keeps header names in lower case; a Fetch Headers object ignores case.
    assert.deepEqual(checkCsrf(s, post({ "x-xsrf-token": token }), { header: "X-XSRF-TOKEN" }), { ok: true });
  });
});
