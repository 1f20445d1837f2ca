// Type-level tests of `tessera-session/express`: `npm test` type-checks this file first.
import assert from "node:assert/strict";
import { test } from "node:test";
import express from "express";
import { createMemorySessionStorage } from "./lib/storages/memory.js";
import { session } from "./express.js";
import type { Session } from "./lib/session/session.js";
import type { ExpressSessionData } from "./express.js";

declare module "./express.js" {
  interface ExpressSessionData {
    userId: string;
    count: number;
  }
}

test("req.session is typed in every Express route once tessera-session/express is imported", () => {
  const app = express();
  app.use(session(createMemorySessionStorage({ cookie: { secrets: [process.env.SESSION_SECRET] } })));
  app.post("/login", (req, res) => {
    req.session.regenerateId();
    req.session.set("userId", "u1");
    const count: number | undefined = req.session.get("count");
    // @ts-expect-error: a declared key keeps its type
    req.session.set("count", "two");
    const s: Session<ExpressSessionData> = req.session;
    res.send(String(count ?? s.isNew));
  });
  assert.equal(typeof app, "function");
});
