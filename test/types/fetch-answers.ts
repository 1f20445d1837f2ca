// withSession's wrapper answers what its handler answers: a Response (Deno.serve, Workers), or,
// for Bun's WebSocket upgrade, a Response or nothing.
import { createCookieSessionStorage } from "tessera-session";
import { getSession, withSession } from "tessera-session/fetch";

const storage = createCookieSessionStorage();

export const always: (request: Request) => Promise<Response> = withSession(storage, () => new Response("ok"));

// @ts-expect-error: a handler that may answer nothing does not promise a Response
export const notAlways: (request: Request) => Promise<Response> = withSession(storage, (request: Request) =>
  request.headers.get("upgrade") ? undefined : new Response("ok"),
);

interface BunServer {
  upgrade(request: Request, options?: { data?: unknown }): boolean;
}

export const bun: (request: Request, server: BunServer) => Promise<Response | undefined> = withSession(
  storage,
  async (request: Request, server: BunServer) => {
    const session = await getSession(request);
    if (server.upgrade(request, { data: { user: session.get("userId") } })) return undefined;
    return new Response("plain");
  },
);
