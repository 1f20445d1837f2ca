// A bare node:http server, below the node middleware or without it, for tests
// that watch what a held response sends (in this process or in a child one).
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { session, type SessionRequest } from "../src/lib/adapters/node.js";
import type { SessionStorage } from "../src/lib/engine/storage.js";

export type Route = (req: SessionRequest, res: ServerResponse) => void;

/** Listens on a free port of 127.0.0.1; `close` cuts every connection left and waits for the server to close. */
export async function listen(server: Server) {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A bare node:http server running `route` below the middleware (or without it, when `storage` is null). */
export async function bare(storage: SessionStorage | null, route: Route, server = createServer()) {
  const withSession = storage && session(storage);
  const run = (req: IncomingMessage, res: ServerResponse) =>
    withSession ? withSession(req, res, () => route(req as SessionRequest, res)) : route(req as SessionRequest, res);
  server.on("request", run);
  return listen(server);
}

/** Runs `fn` against a bare server running `route`, then closes it. */
export async function using(storage: SessionStorage | null, route: Route, fn: (url: string, port: number) => Promise<void>) {
  const server = await bare(storage, route);
  try {
    await fn(server.url, server.port);
  } finally {
    await server.close();
  }
}
