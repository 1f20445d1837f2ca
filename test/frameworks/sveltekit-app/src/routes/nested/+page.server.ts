// GET /nested: a page whose load only reads the session, and counts through the app's own
// GET /count with SvelteKit's `fetch` (an internal request: the endpoint's Set-Cookie reaches
// the page's response).
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, fetch }) => {
  const before = locals.session.get("count") ?? 0;
  const counted = Number(await (await fetch("/count")).text());
  return { before, counted };
};
