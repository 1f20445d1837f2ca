import { session } from "../../../lib/session";

export const GET = session.route(async (s) => {
  s.set("count", (s.get("count") ?? 0) + 1);
  return new Response(String(s.get("count")), { headers: { "Content-Type": "text/plain" } });
});
