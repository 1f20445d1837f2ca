// Step-up: `markAuthenticated`, `requireRecentAuth` and `safeReturnTo`, on a cookie storage
// (every store runs the same through test/conformance.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair, fakeClock } from "../../../test/helpers.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { Session } from "./session.js";
import { requireRecentAuth, safeReturnTo } from "./step-up.js";

const clock = fakeClock();
const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" }, now: clock.now });

/** A cookie whose session was authenticated by `method`, now. */
async function signedIn(method = "password"): Promise<string> {
  const s = await storage.read(null);
  s.regenerateId();
  s.set("userId", "ann");
  s.markAuthenticated({ method });
  return cookiePair(await storage.save(s));
}

describe("step-up", () => {
  test("a session never authenticated requires it, and has no record", async () => {
    const s = await storage.read(null);
    assert.equal(s.authentication, undefined);
    assert.deepEqual(requireRecentAuth(s, { maxAge: 300 }), { required: true, authenticatedAt: undefined, location: undefined });
  });

  test("a proof is recent for maxAge seconds of the storage's clock, in the sealed cookie", async () => {
    const cookie = await signedIn();
    const at = new Date(clock.now());
    clock.advance(300);
    assert.deepEqual(requireRecentAuth(await storage.read(cookie), { maxAge: 300 }), { required: false, authenticatedAt: at, location: undefined });
    clock.advance(1);
    assert.equal(requireRecentAuth(await storage.read(cookie), { maxAge: 300 }).required, true);
    assert.equal(requireRecentAuth(await storage.read(cookie), { maxAge: 0 }).required, true);
  });

  test("each method keeps its own time; `methods` narrows which count", async () => {
    const cookie = await signedIn("password");
    const first = new Date(clock.now());
    clock.advance(60);
    const s = await storage.read(cookie);
    s.markAuthenticated({ method: "webauthn" });
    const second = new Date(clock.now());
    const again = await storage.read(cookiePair(await storage.save(s)));
    assert.deepEqual(again.authentication, { authenticatedAt: second, methods: { password: first, webauthn: second } });
    assert.deepEqual(requireRecentAuth(again, { maxAge: 30, methods: ["password"] }), { required: true, authenticatedAt: first, location: undefined });
    assert.equal(requireRecentAuth(again, { maxAge: 30, methods: ["password", "webauthn"] }).required, false);
    assert.deepEqual(requireRecentAuth(again, { maxAge: 30, methods: ["totp"] }), { required: true, authenticatedAt: undefined, location: undefined });
  });

  test("regenerateId() keeps the record (a re-authentication); a keep list (a sign-in), clear() and destroy() end it", async () => {
    const s = await storage.read(await signedIn());
    s.regenerateId();
    assert.equal(s.authentication?.methods.password instanceof Date, true);
    const k = await storage.read(await signedIn());
    k.regenerateId({ keep: [] });
    assert.equal(k.authentication, undefined);
    s.clear();
    assert.equal(s.authentication, undefined);
    const d = await storage.read(await signedIn());
    d.destroy();
    assert.equal(requireRecentAuth(d, { maxAge: 300 }).required, true);
  });

  test("another user who signs in on the same browser (regenerateId with keep) never inherits the first one's proof, only what that request proved", async () => {
    const ann = await storage.read(await signedIn("webauthn"));
    ann.regenerateId({ keep: [] });
    ann.set("userId", "bob");
    ann.markAuthenticated({ method: "password" });
    const bob = await storage.read(cookiePair(await storage.save(ann)));
    assert.deepEqual(Object.keys(bob.authentication!.methods), ["password"]);
    assert.equal(requireRecentAuth(bob, { maxAge: 300, methods: ["webauthn"] }).required, true);
    // The proof made in the request of the sign-in, before its regenerateId, is kept: it is the new user's.
    const carol = await storage.read(await signedIn("webauthn"));
    carol.markAuthenticated({ method: "totp" });
    carol.regenerateId({ keep: [] });
    assert.deepEqual(Object.keys(carol.authentication!.methods), ["totp"]);
    // Naming the record in `keep` keeps nothing of it: tessera's keys are not the app's to keep.
    const dave = await storage.read(await signedIn("webauthn"));
    dave.regenerateId({ keep: ["__auth__" as never] });
    assert.equal(dave.authentication, undefined);
  });

  test("the record cannot be forged or read as a value, and shows in neither entries() nor toJSON()", async () => {
    const s = await storage.read(await signedIn());
    assert.throws(() => (s as { set(k: string, v: unknown): void }).set("__auth__", { password: clock.now() }), /reserved: use session.markAuthenticated/);
    assert.throws(() => (s as { unset(k: string): void }).unset("__auth__"), /reserved/);
    assert.deepEqual(s.entries(), [["userId", "ann"]]);
    assert.deepEqual(s.toJSON().data, { userId: "ann" });
  });

  test("a bad method or maxAge is a TypeError; a malformed stored record counts as none", async () => {
    const s = await storage.read(null);
    for (const method of ["", "x".repeat(65), 1, undefined]) {
      assert.throws(() => s.markAuthenticated({ method: method as string }), TypeError);
    }
    for (const maxAge of [-1, Number.NaN, "300", undefined]) {
      assert.throws(() => requireRecentAuth(s, { maxAge: maxAge as number }), TypeError);
    }
    // What a store holding a damaged (or hand-edited) record gives a storage to make its session of.
    for (const stored of ["yes", [1], { password: "soon" }, null]) {
      const view = new Session({ id: "", isNew: false, createdAt: clock.now(), now: clock.now, data: { __auth__: stored } });
      assert.equal(view.authentication, undefined, JSON.stringify(stored));
      assert.equal(requireRecentAuth(view, { maxAge: 300 }).required, true);
    }
  });

  test("with `reauthenticate`, a required step-up says where to go, with a safe return_to", async () => {
    const cookie = await signedIn();
    clock.advance(600);
    const s = await storage.read(cookie);
    const to = (returnTo?: string) => requireRecentAuth(s, { maxAge: 300, reauthenticate: "/reauth", returnTo }).location;
    assert.equal(to("/sessions?tab=2"), "/reauth?return_to=%2Fsessions%3Ftab%3D2");
    assert.equal(to("https://evil.example/"), "/reauth");
    assert.equal(to(), "/reauth");
    assert.equal(requireRecentAuth(s, { maxAge: 300, reauthenticate: "/auth?step=up", returnTo: "/x" }).location, "/auth?step=up&return_to=%2Fx");
    const fresh = await storage.read(await signedIn());
    assert.equal(requireRecentAuth(fresh, { maxAge: 300, reauthenticate: "/reauth", returnTo: "/x" }).location, undefined, "not required: nowhere to go");
  });

  test("safeReturnTo keeps paths on this site only", () => {
    const kept = ["/", "/sessions", "/a/b?c=d#e", "/%2F%2Fstill-a-path"];
    const dropped = ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "evil", "", "/a\nb", "/a\\b", "/" + "a".repeat(2048)];
    assert.deepEqual(kept.map((v) => safeReturnTo(v)), kept);
    assert.deepEqual(dropped.map((v) => safeReturnTo(v, "/home")), dropped.map(() => "/home"));
    assert.deepEqual([safeReturnTo(undefined), safeReturnTo(null), safeReturnTo(["/x"])], ["/", "/", "/"]);
  });

  test("safeReturnTo's answer is always a header value every integration can set: characters past ASCII are percent-encoded", () => {
    assert.deepEqual(["/€", "/a b", "/\u2028x", "/\u200b", "/caf\u00e9?q=\u00fc"].map((v) => safeReturnTo(v)), ["/%E2%82%AC", "/a%20b", "/%E2%80%A8x", "/%E2%80%8B", "/caf%C3%A9?q=%C3%BC"]);
    for (const value of ["/€", "/\u2028x", "/caf\u00e9"]) new Headers({ location: safeReturnTo(value) });
    assert.equal(safeReturnTo("/\ud800x", "/home"), "/home", "a lone surrogate has no encoding");
  });

  test("safeReturnTo drops a path whose dot segments resolve to one that starts with //", () => {
    for (const value of ["/..//evil.example", "/.//evil.example", "/a/..//evil.example", "/%2e%2e//evil.example"]) assert.equal(safeReturnTo(value, "/home"), "/home", value);
    assert.equal(safeReturnTo("/a/../b"), "/a/../b");
  });
});
