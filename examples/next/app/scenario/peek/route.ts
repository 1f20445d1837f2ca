import { session } from "../../../lib/session";

export const GET = session.route(async (s) => Response.json({ count: s.get("count") ?? null }));
