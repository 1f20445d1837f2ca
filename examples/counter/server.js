// The example `npm start` runs: a node:http counter with flash messages on a
// cookie session. Plain JavaScript over the built package (`npm run build`).
//
//   PORT=3000 SESSION_SECRET=... npm start
import { createServer } from "node:http";
import { createCookieSessionStorage } from "../../dist/index.js";

const storage = createCookieSessionStorage({
  // Without SESSION_SECRET (outside production) tessera uses a random
  // per-process secret and says so once.
  // Secure by default: browsers keep Secure cookies from http://localhost (and 127.0.0.1).
  cookie: { secrets: [process.env.SESSION_SECRET] },
  idleTimeout: 30 * 60,
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(count, notice) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tessera counter</title>
<style>body{font:16px system-ui;max-width:32rem;margin:3rem auto}p.notice{background:#e8f5e9;padding:.5rem 1rem}</style></head>
<body>
<h1>tessera counter</h1>
${notice ? `<p class="notice" role="status">${escape(notice)}</p>` : ""}
<p>You have visited <strong id="count">${count}</strong> times in this session.</p>
<form method="post" action="/reset"><button>Reset</button></form>
</body></html>`;
}

export const server = createServer(async (req, res) => {
  try {
    const session = await storage.read(req.headers.cookie ?? null);
    const headers = { "Cache-Control": "no-store" };
    if (req.method === "POST" && req.url === "/reset") {
      session.set("count", 0);
      session.flash("notice", "Counter reset.");
      res.writeHead(303, { ...headers, Location: "/", "Set-Cookie": (await storage.save(session)) ?? [] });
      return res.end();
    }
    if (req.url !== "/") {
      res.writeHead(404, { "Content-Type": "text/plain" });
      return res.end("not found");
    }
    const count = Number(session.get("count") ?? 0) + 1;
    session.set("count", count);
    const html = page(count, session.get("notice"));
    const setCookie = await storage.save(session);
    res.writeHead(200, { ...headers, "Content-Type": "text/html; charset=utf-8", ...(setCookie ? { "Set-Cookie": setCookie } : {}) });
    res.end(html);
  } catch (error) {
    console.error(error);
    res.writeHead(500, { "Content-Type": "text/plain" });
    res.end("internal error");
  }
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.log(`tessera counter example: http://127.0.0.1:${address.port}/`);
});
