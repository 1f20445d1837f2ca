// The framework scenario (test/frameworks/scenario.ts) on a real Express 5 app with `tessera-session/express`.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import express from "express";
import { session } from "../../src/express.js";
import type { Session } from "../../src/lib/session/session.js";
import { frameworkScenario, type AppData, type AppFlash } from "./scenario.js";

frameworkScenario("Express 5", async ({ storage }) => {
  const app = express();
  app.use(session(storage));
  const s = (req: express.Request) => req.session as unknown as Session<AppData, AppFlash>;
  app.get("/count", (req, res) => {
    s(req).set("count", (s(req).get("count") ?? 0) + 1);
    res.type("text").send(String(s(req).get("count")));
  });
  app.get("/peek", (req, res) => void res.json({ count: s(req).get("count") ?? null }));
  app.post("/signin", (req, res) => {
    s(req).regenerateId();
    s(req).set("userId", "ann");
    s(req).flash("notice", "Welcome ann");
    res.redirect(303, "/");
  });
  app.get("/", (req, res) => void res.json({ user: s(req).get("userId") ?? null, notice: s(req).get("notice") ?? null }));
  app.get("/fail", (req) => {
    s(req).set("count", 999);
    throw new Error("route failed");
  });
  app.post("/signout", (req, res) => {
    s(req).destroy();
    res.redirect(303, "/");
  });
  // Like Express's default error handler (the status a store outage gives, else 500), without logging stacks.
  app.use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(error.status ?? 500).send("failed"));
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
});
