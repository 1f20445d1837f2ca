import { NextResponse, type NextRequest } from "next/server";
import { session } from "./lib/session";

/** The routes of the framework scenario (test/frameworks/scenario.ts), served under /scenario. */
const SCENARIO = new Set(["/", "/count", "/peek", "/signin", "/fail", "/signout"]);

export function proxy(request: NextRequest) {
  // SCENARIO_ROUTES=1 (the HTTP test): the scenario's paths go to its Route Handlers, as they are.
  if (process.env.SCENARIO_ROUTES === "1" && SCENARIO.has(request.nextUrl.pathname)) {
    const url = request.nextUrl.clone();
    url.pathname = `/scenario${url.pathname === "/" ? "" : url.pathname}`;
    return NextResponse.rewrite(url);
  }
  // The sliding refresh, and the flash of the page this navigation shows.
  return session.proxy(request);
}

export const config = {
  // Pages only: not Next's assets, not the Route Handlers (which save their own session), and not
  // /unproxied, a page left out on purpose to show what a page read alone does with a flash.
  matcher: ["/((?!_next/|favicon.ico|api/|scenario|unproxied).*)"],
};
