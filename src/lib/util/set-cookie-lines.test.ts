import assert from "node:assert/strict";
import { validateHeaderValue } from "node:http";
import { test } from "node:test";
import { setCookieLines as fromRoot } from "../../index.js";
import { joinSetCookies, setCookieLines } from "./set-cookie-lines.js";

test("setCookieLines: the lines of a save's value, none for null, and the inverse of joinSetCookies", () => {
  assert.equal(fromRoot, setCookieLines, "exported from tessera-session");
  assert.deepEqual(setCookieLines(null), []);
  assert.deepEqual(setCookieLines(undefined), []);
  assert.deepEqual(setCookieLines(""), []);
  assert.deepEqual(setCookieLines("sid=a; Path=/"), ["sid=a; Path=/"]);
  const lines = ["sid.0=a; Path=/; HttpOnly", "sid.1=b; Path=/; HttpOnly", "sid=; Max-Age=0; Path=/"];
  assert.equal(joinSetCookies(lines), "sid.0=a; Path=/; HttpOnly\nsid.1=b; Path=/; HttpOnly\nsid=; Max-Age=0; Path=/");
  assert.deepEqual(setCookieLines(joinSetCookies(lines)), lines);
});

test("a joined value handed whole to a header API is a loud error, never a broken cookie", () => {
  const joined = joinSetCookies(["sid.0=a; Path=/", "sid.1=b; Path=/"]);
  assert.throws(() => new Headers().append("Set-Cookie", joined), TypeError);
  assert.throws(() => new Headers({ "Set-Cookie": joined }), TypeError);
  assert.throws(() => validateHeaderValue("Set-Cookie", joined), { code: "ERR_INVALID_CHAR" });
  const headers = new Headers();
  for (const line of setCookieLines(joined)) headers.append("Set-Cookie", line);
  assert.deepEqual(headers.getSetCookie(), ["sid.0=a; Path=/", "sid.1=b; Path=/"]);
});
