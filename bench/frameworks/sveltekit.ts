// One SvelteKit 2 server of the framework benchmarks, one variant per process: a bare +server.ts
// answering "ok", tessera's hook over a cookie storage, and a hand-written AES-GCM cookie through
// event.cookies doing the same counter. It serves the build of the test app
// (test/frameworks/sveltekit-app, built with `vite build` when it or src/ is newer than its last
// build) through adapter-node's handler on node:http, each request's URL turned into the variant's
// route (src/routes/bench/*), so that every variant is one build and one server.
//   node --import tsx bench/frameworks/sveltekit.ts <variant>    (prints the port)
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { APP_DIR, buildOnce } from "../../test/frameworks/sveltekit-app.js";

const ROUTES: Record<string, string> = {
  bare: "/bench/bare",
  tessera: "/bench/tessera",
  "hand-written event.cookies": "/bench/hand-written",
};

const name = process.argv[2]!;
const route = ROUTES[name];
if (!route) {
  console.error(`unknown variant ${name}; one of: ${Object.keys(ROUTES).join(", ")}`);
  process.exit(2);
}

// The build's duration goes to stderr: stdout carries the port only.
await buildOnce((line) => console.error(line));

const server = createServer();
server.listen(0, "127.0.0.1");
await new Promise((resolve) => server.once("listening", resolve));
const { port } = server.address() as AddressInfo;

// adapter-node reads its environment when its handler loads: the app's storage for the tessera
// route (the benchmarks' session cookie, SESSION_STORAGE=bench), and the origin it is served at.
process.env.SESSION_STORAGE = "bench";
process.env.ORIGIN = `http://127.0.0.1:${port}`;
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const { handler } = (await import(pathToFileURL(join(APP_DIR, "build/handler.js")).href)) as { handler: Handler };

server.on("request", (req: IncomingMessage, res: ServerResponse) => {
  const query = req.url?.indexOf("?") ?? -1;
  req.url = query < 0 ? route : route + req.url!.slice(query);
  handler(req, res);
});
process.stdout.write(`${port}\n`);

// Exit cleanly on a signal, so that --cpu-prof can write its profile.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
