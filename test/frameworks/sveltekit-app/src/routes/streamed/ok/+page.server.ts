// GET /streamed/ok: a page whose load counts, under a streaming layout.
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => {
  locals.session.set("count", (locals.session.get("count") ?? 0) + 1);
  return { count: locals.session.get("count") };
};
