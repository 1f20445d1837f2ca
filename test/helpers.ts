import { createServer } from "node:net";

/** Two well-formed secrets (32+ bytes, no placeholder words). */
export const SECRET_A = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
export const SECRET_B = "Zt7Hq2Mv9Lc4Xr8Nb1Wf6Ks3Pd5Gy0Je";

/** Every value of the `crypto` cookie option, for tests that run each format through both. */
export const BACKENDS = ["node", "web"] as const;

/** A clock the test moves by hand (milliseconds). */
export function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let t = start;
  return {
    now: () => t,
    advance(seconds: number) {
      t += seconds * 1000;
    },
  };
}

/** The `name=value` part of a Set-Cookie, usable as a Cookie header. */
export function cookiePair(setCookie: string | null): string {
  if (!setCookie) throw new Error("expected a Set-Cookie");
  return setCookie.split(";")[0]!;
}

/** Serves a fetch handler on 127.0.0.1 (a real node:http server through @hono/node-server). */
export async function serveFetch(fetch: (request: Request) => Response | Promise<Response>) {
  const { serve } = await import("@hono/node-server");
  return new Promise<{ url: string; close: () => Promise<void> }>((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

/** A cookie jar of one cookie: follows Set-Cookie like a browser would (expiry included). */
export class Jar {
  cookie: string | null = null;
  take(res: Response, name: string): void {
    for (const line of res.headers.getSetCookie()) {
      if (!line.startsWith(`${name}=`)) continue;
      this.cookie = /Max-Age=0/.test(line) ? null : line.split(";")[0]!;
    }
  }
  headers(): Record<string, string> {
    return this.cookie ? { cookie: this.cookie } : {};
  }
}

/** Retries `fn` every 100 ms until it resolves (up to `tries`), e.g. while a client reconnects. */
export async function eventually<T>(fn: () => Promise<T>, tries = 50): Promise<T | undefined> {
  for (let i = 0; i < tries; i++) {
    const out = await fn().catch(() => undefined);
    if (out !== undefined) return out;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

/** A TCP port free on 127.0.0.1 right now (for a server a test starts itself). */
export async function freePort(): Promise<number> {
  // Below Linux's ephemeral range (32768-60999): a client connection's own port is taken from
  // that range, and could take a port a stopped server is about to be started on again.
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (!bound) continue;
    await new Promise((r) => server.close(r));
    return port;
  }
}

/**
 * A browser's cookie jar for one site, of any number of cookies: each Set-Cookie
 * line sets its cookie, or drops it when it expires it (Max-Age=0).
 */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  /** Takes every line: Set-Cookie lines, or what a storage's save returned (lines joined by "\n"). */
  take(lines: Iterable<string> | string | null): void {
    for (const line of typeof lines === "string" ? lines.split("\n") : (lines ?? [])) {
      const pair = line.split(";")[0]!;
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      if (/;\s*Max-Age=0\s*(;|$)/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
  }
  /** The Cookie header the browser sends, or null with no cookie. */
  header(): string | null {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ") || null;
  }
  names(): string[] {
    return [...this.cookies.keys()].sort();
  }
}
