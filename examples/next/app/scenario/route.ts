import { session } from "../../lib/session";

// The route contract of test/frameworks/scenario.ts (under /scenario; SCENARIO_ROUTES=1 serves it at /).
export const GET = session.route(async (s) => Response.json({ user: s.get("userId") ?? null, notice: s.get("notice") ?? null }));
