// GET /slow-count?wait=ms: the counter, one up, after `wait` milliseconds; a test cuts the store
// meanwhile, so that the read before the route succeeded and the save after it meets the outage.
import { text } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = async ({ locals, url }) => {
  await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get("wait") ?? 0)));
  locals.session.set("count", (locals.session.get("count") ?? 0) + 1);
  return text(String(locals.session.get("count")));
};
