import assert from "node:assert/strict";
import { test } from "node:test";
import { controlFlowStatus } from "./next-control-flow.js";
import { SECRET_A } from "../../../test/helpers.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { setCookieLines } from "../util/set-cookie-lines.js";
import { afterSetCookie, requestToken, setCookieValue, setOnCookieStore, withCookie, type NextCookieStore } from "./next-cookies.js";

test("withCookie replaces, adds or drops one cookie of a Cookie header and keeps the others' bytes", () => {
  assert.equal(withCookie("a=1; sid=old; b=%20x", "sid", "new"), "sid=new; a=1; b=%20x");
  assert.equal(withCookie(null, "sid", "new"), "sid=new");
  assert.equal(withCookie("sid=old;a=1;flag", "sid", null), "a=1; flag");
  assert.equal(withCookie("sidx=1; sid = old", "sid", "n"), "sid=n; sidx=1");
});

test("setOnCookieStore hands Next's cookie store every attribute of the storage's Set-Cookie", () => {
  const set: unknown[] = [];
  const store: NextCookieStore = { get: () => undefined, getAll: () => [], set: (cookie) => set.push(cookie) };
  setOnCookieStore(store, "sid=S1.ab-_.c; Max-Age=60; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 2099 00:00:00 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=Strict");
  assert.deepEqual(set, [
    {
      name: "sid",
      value: "S1.ab-_.c",
      maxAge: 60,
      domain: "example.com",
      path: "/app",
      expires: new Date("2099-01-01T00:00:00Z"),
      httpOnly: true,
      secure: true,
      partitioned: true,
      priority: "high",
      sameSite: "strict",
    },
  ]);
  assert.throws(() => setOnCookieStore(store, "sid=a b; Path=/"), /would not survive Next's encoding/);
  assert.equal(setCookieValue("sid=v.1; Path=/"), "v.1");
  assert.equal(setCookieValue("sid="), "");
});

test("afterSetCookie: the Cookie header once the browser took a Set-Cookie line, one chunk after another", () => {
  let header: string | null = "a=1; sid=old";
  for (const line of ["sid.0=x; Path=/", "sid.1=y; Path=/", "sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]) header = afterSetCookie(header, line);
  assert.equal(header, "sid.1=y; sid.0=x; a=1");
  assert.equal(afterSetCookie(null, "sid=v; Path=/"), "sid=v");
});

test("requestToken: a chunked session's cookies are all read from Next's cookie store; one cookie, as before, by its name only", async () => {
  const chunked = createCookieSessionStorage({ maxChunks: 2, cookie: { secrets: [SECRET_A], name: "sid", secure: false } });
  const s = await chunked.read(null);
  s.set("blob", "x".repeat(3600));
  const lines = setCookieLines(await chunked.save(s));
  const all = [{ name: "theme", value: "dark" }, ...lines.map((line) => ({ name: line.slice(0, line.indexOf("=")), value: setCookieValue(line) }))];
  const store: NextCookieStore = { get: (name) => all.find((c) => c.name === name), getAll: () => all, set: () => undefined };
  const none = { get: () => null };
  const { input, token } = requestToken(chunked, store, none);
  assert.equal(input, all.map((c) => `${c.name}=${c.value}`).join("; "));
  assert.equal(token, all[1]!.value + all[2]!.value);
  assert.equal((await chunked.read(input)).get("blob"), "x".repeat(3600));
  const plain = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "theme", secure: false } });
  assert.deepEqual(requestToken(plain, { ...store, getAll: () => assert.fail("not asked") }, none), { input: "theme=dark", token: "dark" });
});

test("controlFlowStatus knows Next's redirect and access-fallback throws, and nothing else", () => {
  assert.equal(controlFlowStatus({ digest: "NEXT_REDIRECT;replace;/a;b?c=1;307;" }), 307);
  assert.equal(controlFlowStatus({ digest: "NEXT_REDIRECT;push;/;303;" }), 303);
  assert.equal(controlFlowStatus({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" }), 404);
  assert.equal(controlFlowStatus({ digest: "NEXT_HTTP_ERROR_FALLBACK;403" }), 403);
  assert.equal(controlFlowStatus({ digest: "NEXT_NOT_FOUND" }), 404);
  assert.equal(controlFlowStatus({ digest: "DYNAMIC_SERVER_USAGE" }), undefined);
  assert.equal(controlFlowStatus(new Error("boom")), undefined);
  assert.equal(controlFlowStatus(null), undefined);
});

test("requestToken: of two cookies of the session's name, the first one the browser sent, as every other integration reads it, not the last Next's cookies() keeps", async () => {
  const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid", secure: false } });
  const tokenOf = async (user: string) => {
    const s = await storage.read(null);
    s.set("user", user);
    return setCookieValue((await storage.save(s))!);
  };
  const [ann, bob] = [await tokenOf("ann"), await tokenOf("bob")];
  const header = `sid=${ann}; theme=dark; sid=${bob}`;
  // Next's cookies() is a map of the header's cookies: the last of one name wins there.
  const last: NextCookieStore = { get: (name) => (name === "sid" ? { value: bob } : undefined), getAll: () => [{ name: "sid", value: bob }], set: () => undefined };
  const headers = { get: (name: string) => (name === "cookie" ? header : null) };
  const { input, token } = requestToken(storage, last, headers);
  assert.equal(token, ann);
  assert.equal((await storage.read(input)).get("user"), "ann");
  const chunked = createCookieSessionStorage({ maxChunks: 2, cookie: { secrets: [SECRET_A], name: "sid", secure: false } });
  assert.equal(requestToken(chunked, last, { get: () => `sid.0=a; sid.0=b; sid.1=c` }).token, "ac");
  // An app's own cookie whose name starts like the session's is not the session's: Next's cookies() decides then
  // (after a Server Action it holds what the action set, here bob's token, while the header still has ann's).
  const own = `sid=${ann}; sid.prefs=a; sid.prefs=b`;
  assert.equal(requestToken(storage, last, { get: () => own }).token, bob);
  assert.equal(requestToken(chunked, { ...last, getAll: () => [{ name: "sid", value: bob }] }, { get: () => own }).token, bob);
});
