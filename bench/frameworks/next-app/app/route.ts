// The one route of the Next.js benchmark server (bench/frameworks/next.ts): GET /, as the
// variant in BENCH_VARIANT does it. Each request count + 1 in a cookie session named `s`.
import { getIronSession } from "iron-session";
import { cookies } from "next/headers.js";
import { createCookieSessionStorage } from "tessera-session";
import { nextSession } from "tessera-session/next";

const SECRET = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";

const tessera = nextSession(createCookieSessionStorage<{ count: number }>({ cookie: { name: "s", secrets: [SECRET], secure: false } }));

const counter = tessera.route(async (s) => {
  s.set("count", (s.get("count") ?? 0) + 1);
  return new Response(String(s.get("count")));
});

/** iron-session over Next's own cookie store, as its README shows for the App Router. */
async function iron(): Promise<Response> {
  const s = await getIronSession<{ count?: number }>(await cookies(), { password: SECRET, cookieName: "s", cookieOptions: { secure: false } });
  s.count = (s.count ?? 0) + 1;
  await s.save();
  return new Response(String(s.count));
}

export const dynamic = "force-dynamic";

export function GET(request: Request, context: unknown): Promise<Response> {
  const variant = process.env.BENCH_VARIANT;
  if (variant === "tessera") return counter(request, context);
  if (variant === "iron-session") return iron();
  return Promise.resolve(new Response("ok"));
}
