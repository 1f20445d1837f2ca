import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { redirect } from "next/navigation.js";
import { SECRET_A } from "../../../test/helpers.js";
import { createCookieSessionStorage, createMemorySessionStorage } from "../../index.js";
import { nextSession } from "../../next.js";

// A Route Handler that ends with `redirect()` is answered by Next itself, which can carry
// cookies only. Header mode cannot be saved there: the request fails, and must not half-apply.
describe("Next route() with a header-mode storage, ending with redirect()", () => {
  const transport = { header: "x-session-token" } as const;

  test("a memory session regenerated there stays as it was: the old token still reads, nothing new was stored", async () => {
    const storage = createMemorySessionStorage<{ userId?: string; count?: number }>({ cookie: { secrets: [SECRET_A] }, transport });
    const signedIn = await storage.read(null);
    signedIn.set("userId", "ann");
    const token = (await storage.save(signedIn))!;
    const handler = nextSession(storage).route(async (session) => {
      session.regenerateId();
      session.set("count", 1);
      redirect("/done");
    });
    const request = new Request("http://localhost/api/x", { method: "POST", headers: { "x-session-token": token } });
    await assert.rejects(handler(request, {}), /can set cookies only, not the x-session-token header/);
    const after = await storage.read(token);
    assert.equal(after.isNew, false);
    assert.equal(after.get("userId"), "ann");
    assert.equal(after.get("count"), undefined);
  });

  test("a cookie session changed there throws the same, before anything is sealed", async () => {
    const storage = createCookieSessionStorage<{ count?: number }>({ cookie: { secrets: [SECRET_A] }, transport });
    const handler = nextSession(storage).route(async (session) => {
      session.set("count", 1);
      redirect("/done");
    });
    await assert.rejects(handler(new Request("http://localhost/api/x", { method: "POST" }), {}), /can set cookies only/);
  });

  test("a session left unchanged ends with Next's own redirect", async () => {
    const storage = createMemorySessionStorage<{ userId?: string }>({ cookie: { secrets: [SECRET_A] }, transport });
    const handler = nextSession(storage).route(async (session) => {
      session.get("userId");
      redirect("/done");
    });
    await assert.rejects(handler(new Request("http://localhost/api/x"), {}), (error: Error & { digest?: string }) => {
      assert.match(error.digest ?? "", /^NEXT_REDIRECT;replace;\/done;307;/);
      return true;
    });
  });
});
