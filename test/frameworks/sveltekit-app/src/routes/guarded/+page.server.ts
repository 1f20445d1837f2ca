// GET /guarded: a page whose load changes the session, then throws error(401) (SvelteKit's error page).
import { error } from "@sveltejs/kit";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => {
  locals.session.set("count", 402);
  error(401, "sign in first");
};
