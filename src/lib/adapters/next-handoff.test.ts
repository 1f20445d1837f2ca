import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, SECRET_B } from "../../../test/helpers.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { openHandoff, sealHandoff } from "./next-handoff.js";

describe("the Next proxy's flash handoff", () => {
  const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid", secure: false }, maxChunks: 2 });

  test("is good for the session whose token it was made for, whatever the token's size (a chunked session's too)", async () => {
    for (const size of [40, 4000, 6100]) {
      const token = "t".repeat(size);
      const sealed = await sealHandoff(storage, token, { notice: "saved" });
      assert.ok(sealed.length < 400, `${sealed.length} characters for a ${size}-character token`);
      assert.deepEqual(await openHandoff(storage, sealed, token), { notice: "saved" });
      assert.equal(await openHandoff(storage, sealed, `${token}x`), null, "another session's");
      assert.equal(await openHandoff(storage, sealed, undefined), null);
    }
  });

  test("is refused when sealed with another secret, or when it is no handoff", async () => {
    const other = createCookieSessionStorage({ cookie: { secrets: [SECRET_B], name: "sid", secure: false } });
    assert.equal(await openHandoff(storage, await sealHandoff(other, "tok", { notice: "x" }), "tok"), null);
    assert.equal(await openHandoff(storage, "garbage", "tok"), null);
    assert.equal(await openHandoff(storage, null, "tok"), null);
  });
});
