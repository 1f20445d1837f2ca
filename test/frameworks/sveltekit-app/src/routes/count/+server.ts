// GET /count: the counter, one up, as text.
import { text } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ locals }) => {
  locals.session.set("count", (locals.session.get("count") ?? 0) + 1);
  return text(String(locals.session.get("count")));
};
