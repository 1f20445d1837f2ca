// verifyCsrf reading a form's token from the body: what it reads of a large body, and which fields
// it still finds. A Request over a ReadableStream that counts what is pulled from it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A } from "../../../test/helpers.js";
import { csrfToken } from "../csrf/token.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { verifyCsrf } from "./csrf-fetch.js";

const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid", secure: false } });
const MiB = 1 << 20;

/** A POST whose body is `head`, then `size` bytes of `filler`, then `tail`, pulled 64 KiB at a time; `pulled()` counts bytes read. */
function streamed(contentType: string, head: string, size: number, tail = "") {
  const encoder = new TextEncoder();
  const parts = [encoder.encode(head)];
  for (let left = size; left > 0; left -= 64 * 1024) parts.push(encoder.encode("a".repeat(Math.min(left, 64 * 1024))));
  parts.push(encoder.encode(tail));
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = parts.shift();
      if (!next) return controller.close();
      pulled += next.length;
      controller.enqueue(next);
    },
  });
  const headers = { "content-type": contentType, host: "app.example", origin: "http://app.example", "sec-fetch-site": "same-origin" };
  const request = new Request("http://app.example/act", { method: "POST", headers, body, duplex: "half" } as RequestInit);
  return { request, pulled: () => pulled };
}

async function signedIn() {
  const session = await storage.read(null);
  session.set("user", "ann");
  return { session, token: encodeURIComponent(csrfToken(session)) };
}

describe("verifyCsrf: a form body", () => {
  test("a 150 MiB form without a token is refused after reading its first MiB (and the few chunks a stream reads ahead), not all of it", async () => {
    const { session } = await signedIn();
    const { request, pulled } = streamed("application/x-www-form-urlencoded", "text=", 150 * MiB);
    const refused = await verifyCsrf(request, session);
    assert.equal(refused?.status, 403);
    assert.equal(await refused?.text(), "Forbidden: this request carries no CSRF token\n");
    assert.ok(pulled() <= MiB + 4 * 64 * 1024, `${pulled()} bytes read`);
  });

  test("a large urlencoded form with its token in the first MiB passes; one with the token after it is refused", async () => {
    const { session, token } = await signedIn();
    const first = streamed("application/x-www-form-urlencoded", `_csrf=${token}&text=`, 5 * MiB);
    assert.equal(await verifyCsrf(first.request, session), null);
    assert.ok(first.pulled() <= MiB + 4 * 64 * 1024, `${first.pulled()} bytes read`);
    const last = streamed("application/x-www-form-urlencoded", "text=", 2 * MiB, `&_csrf=${token}`);
    assert.equal((await verifyCsrf(last.request, session))?.status, 403);
  });

  test("a multipart upload of 5 MiB with the token as its first field passes, and the handler still reads the whole body", async () => {
    const { session, token } = await signedIn();
    const boundary = "----tessera";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${decodeURIComponent(token)}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n`;
    const upload = streamed(`multipart/form-data; boundary=${boundary}`, head, 5 * MiB, `\r\n--${boundary}--\r\n`);
    assert.equal(await verifyCsrf(upload.request, session), null);
    const form = await upload.request.formData();
    assert.equal((form.get("file") as File).size, 5 * MiB);
  });

  test("a form of exactly 1 MiB is read whole: its last field, the token, is found", async () => {
    const { session, token } = await signedIn();
    const tail = `&_csrf=${token}`;
    const exact = streamed("application/x-www-form-urlencoded", "text=", MiB - "text=".length - tail.length, tail);
    assert.equal(await verifyCsrf(exact.request, session), null);
  });

  test("a small form is read whole, its token found wherever it is", async () => {
    const { session, token } = await signedIn();
    const small = streamed("application/x-www-form-urlencoded", "a=1&b=2", 10, `&_csrf=${token}`);
    assert.equal(await verifyCsrf(small.request, session), null);
    assert.equal(await small.request.text(), `a=1&b=2${"a".repeat(10)}&_csrf=${token}`);
  });
});
