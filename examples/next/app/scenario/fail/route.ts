import { session } from "../../../lib/session";

export const GET = session.route(async (s) => {
  s.set("count", 999);
  throw new Error("route failed");
});
