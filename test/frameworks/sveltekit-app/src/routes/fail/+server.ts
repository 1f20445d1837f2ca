// GET /fail: a change, then an unexpected error (SvelteKit answers 500).
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ locals }) => {
  locals.session.set("count", 999);
  throw new Error("route failed");
};
