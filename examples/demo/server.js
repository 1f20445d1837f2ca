// The tessera demo: `npm start`. Plain server-rendered HTML on node:http and
// tessera/node. Storage from the environment (see storage.js); data under
// DATA_DIR (default .data/ in the project).
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkCsrf, csrfToken, recordDevice, requireRecentAuth, safeReturnTo } from "../../dist/index.js";
import { session } from "../../dist/node.js";
import { dashboardPage, forbiddenPage, reauthPage, sessionsPage, signInPage } from "./pages.js";
import { createStorage } from "./storage.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dataDir = process.env.DATA_DIR ?? join(root, ".data");
const { kind, storage } = await createStorage(dataDir);
const withSession = session(storage);
// "Sign out all other sessions" asks the user to confirm who they are when their last sign-in is older than this (seconds).
const stepUpMaxAge = Number(process.env.STEP_UP_MAX_AGE ?? 300);

/** Characters of notes a session keeps: in cookie mode, as much as two chunked cookies carry with room to spare. */
const NOTES_MAX = 3000;

async function form(req) {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) break;
  }
  return new URLSearchParams(body);
}

function send(res, html, status = 200) {
  // Private pages are never cached: after sign-out, Back shows nothing private.
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  res.end(html);
}

function redirect(res, location) {
  res.writeHead(303, { Location: location, "Cache-Control": "no-store" });
  res.end();
}

async function handle(req, res) {
  const s = req.session;
  const user = s.get("userId");
  const url = new URL(req.url, "http://localhost");
  const route = `${req.method} ${url.pathname}`;
  // Every form posts this session's CSRF token; a post from another site's page (or without it) is refused.
  const body = req.method === "POST" ? await form(req) : new URLSearchParams();
  const header = (name) => (Array.isArray(req.headers[name]) ? req.headers[name][0] : req.headers[name]);
  const csrf = checkCsrf(s, { method: req.method, host: req.headers.host, header, field: (name) => body.get(name) });
  if (!csrf.ok) return send(res, forbiddenPage({ store: kind, message: csrf.message }), 403);
  switch (route) {
    case "GET /":
      return user ? redirect(res, "/dashboard") : send(res, signInPage({ store: kind, notice: s.get("notice"), error: s.get("error"), csrf: csrfToken(s) }));
    case "POST /signin": {
      const name = body.get("name")?.trim() ?? "";
      if (!name || name.length > 40) {
        s.flash("error", "Please enter a name of 1 to 40 characters.");
        return redirect(res, "/");
      }
      // A new id at sign-in (no fixation), and nothing from before it kept.
      s.regenerateId({ keep: [] });
      s.set("userId", name);
      // What the sessions page shows of this one: the browser and OS (no address: the demo keeps none).
      recordDevice(s, { userAgent: req.headers["user-agent"] });
      s.set("count", 0);
      s.markAuthenticated({ method: "name" });
      s.flash("notice", `Welcome, ${name}!`);
      return redirect(res, "/dashboard");
    }
    case "GET /dashboard": {
      if (!user) return redirect(res, "/");
      const count = Number(s.get("count") ?? 0) + 1;
      s.set("count", count);
      return send(res, dashboardPage({ store: kind, user, count, notes: s.get("notes") ?? "", notice: s.get("notice"), createdAt: s.createdAt, csrf: csrfToken(s) }));
    }
    case "POST /notes": {
      if (!user) return redirect(res, "/");
      // Kept in the session: with cookie sessions, long notes go out as two chunked cookies.
      const notes = (body.get("notes") ?? "").slice(0, NOTES_MAX);
      if (notes) s.set("notes", notes);
      else s.unset("notes");
      s.flash("notice", notes ? "Notes saved." : "Notes cleared.");
      return redirect(res, "/dashboard");
    }
    case "GET /sessions": {
      if (!user) return redirect(res, "/");
      // Cookie sessions have no list to show, but they are revocable: "sign out all other sessions" works.
      const available = typeof storage.listSessions === "function";
      const sessions = available ? await storage.listSessions(user, { current: s }) : [];
      return send(res, sessionsPage({ store: kind, user, sessions, notice: s.get("notice"), available, csrf: csrfToken(s) }));
    }
    case "POST /sessions/revoke": {
      if (!user) return redirect(res, "/");
      const handle = body.get("handle") ?? "";
      const done = await storage.destroyUserSession(user, handle);
      s.flash("notice", done ? "That session is signed out." : "That session had already ended.");
      return redirect(res, "/sessions");
    }
    case "POST /sessions/revoke-others": {
      if (!user) return redirect(res, "/");
      // A sensitive action: the sign-in must be recent, or the user confirms who they are first and comes back here.
      const check = requireRecentAuth(s, { maxAge: stepUpMaxAge, reauthenticate: "/reauth", returnTo: "/sessions" });
      if (check.required) {
        s.flash("notice", "Confirm it is you to sign out your other sessions.");
        return redirect(res, check.location);
      }
      const n = await storage.destroyAllSessions(user, { except: s });
      // A cookie storage cannot count the cookies it revoked.
      s.flash("notice", n === undefined ? "Your other sessions are signed out." : `${n} other session${n === 1 ? "" : "s"} signed out.`);
      return redirect(res, "/sessions");
    }
    case "GET /reauth":
      if (!user) return redirect(res, "/");
      return send(res, reauthPage({ store: kind, user, returnTo: safeReturnTo(url.searchParams.get("return_to"), "/dashboard"), notice: s.get("notice"), error: s.get("error"), csrf: csrfToken(s) }));
    case "POST /reauth": {
      if (!user) return redirect(res, "/");
      const returnTo = safeReturnTo(body.get("return_to"), "/dashboard");
      // The demo's "proof" is the name again; a real app checks a password, a passkey or a one-time code here.
      if (body.get("name")?.trim() !== user) {
        s.flash("error", "That is not the name you signed in with.");
        return redirect(res, `/reauth?return_to=${encodeURIComponent(returnTo)}`);
      }
      s.markAuthenticated({ method: "name" });
      s.regenerateId();
      s.flash("notice", "Thanks, confirmed. Go ahead.");
      return redirect(res, returnTo);
    }
    case "POST /signout":
      // The signed-in session dies (its id is deleted; a cookie session's cookie is revoked); a fresh one carries the message.
      s.regenerateId({ keep: [] });
      s.flash("notice", "You are signed out.");
      return redirect(res, "/");
    default:
      return send(res, "<!doctype html><title>Not found</title><p>Not found. <a href=\"/\">Home</a></p>", 404);
  }
}

const server = createServer((req, res) =>
  withSession(req, res, (error) => {
    if (error) {
      res.writeHead(error.status ?? 500, { "Content-Type": "text/plain" });
      return res.end(error.status === 503 ? "The session store is unavailable. Try again shortly.\n" : "Internal error\n");
    }
    handle(req, res).catch((e) => {
      console.error(e);
      if (!res.headersSent) send(res, "<!doctype html><p>Something went wrong.</p>", e?.name === "SessionStoreError" ? 503 : 500);
    });
  }),
);

const port = Number(process.env.PORT ?? 3000);
server.listen(port, "127.0.0.1", () => {
  console.log(`tessera demo (${kind} sessions): http://127.0.0.1:${server.address().port}/`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
