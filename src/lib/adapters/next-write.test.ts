import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { redirect } from "next/navigation.js";
import { SECRET_A } from "../../../test/helpers.js";
import { createCookieSessionStorage, createMemorySessionStorage } from "../../index.js";
import { nextSession } from "../../next.js";
import { actionOrigin } from "./next-write.js";
import { mayCarrySecureCookie } from "./secure-origin.js";

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

  test("a cookie session changed there throws the same, before anything is sealed: its new payload is a new token", async () => {
    const storage = createCookieSessionStorage<{ count?: number }>({ cookie: { secrets: [SECRET_A] }, transport });
    const first = await storage.read(null);
    first.set("count", 1);
    const token = (await storage.save(first))!;
    const handler = nextSession(storage).route(async (session) => {
      session.set("count", 2);
      redirect("/done");
    });
    for (const headers of [{}, { "x-session-token": token }] as Array<Record<string, string>>) {
      await assert.rejects(handler(new Request("http://localhost/api/x", { method: "POST", headers }), {}), /can set cookies only/);
    }
  });

  test("a change the client's token still reads (a value, a flash not shown, a sign-out) is saved, and the redirect is Next's own", async () => {
    const storage = createMemorySessionStorage<{ userId?: string; page?: string }, { notice?: string }>({ cookie: { secrets: [SECRET_A] }, transport });
    const first = await storage.read(null);
    first.set("userId", "ann");
    first.flash("notice", "saved");
    const token = (await storage.save(first))!;
    const request = () => new Request("http://localhost/api/x", { method: "POST", headers: { "x-session-token": token } });
    const redirects = (error: Error & { digest?: string }) => /^NEXT_REDIRECT;/.test(error.digest ?? "");
    await assert.rejects(
      nextSession(storage).route(async (session) => {
        session.set("page", "/inbox");
        redirect("/done");
      })(request(), {}),
      redirects,
    );
    const after = await storage.read(token);
    assert.deepEqual([after.get("userId"), after.get("page"), after.get("notice")], ["ann", "/inbox", "saved"], "the flash was not shown: it waits");
    await assert.rejects(
      nextSession(storage).route(async (session) => {
        session.destroy();
        redirect("/");
      })(request(), {}),
      redirects,
    );
    assert.equal((await storage.read(token)).isNew, true, "signed out");
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

describe("a Server Action's origin", () => {
  const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

  test("is https as Next makes a Route Handler's request.url: by X-Forwarded-Proto, which Next sets from the connection", () => {
    const behindTls = actionOrigin(headers({ "x-forwarded-proto": "https", host: "shop.example" }));
    assert.equal(behindTls.https, true);
    assert.equal(mayCarrySecureCookie(behindTls, {}), true, "a Secure cookie goes out, as route() sends it");
    assert.equal(actionOrigin(headers({ "x-forwarded-proto": "http", host: "shop.example" })).https, false);
    assert.equal(actionOrigin(headers({ host: "shop.example" })).https, false);
  });
});
