// GET /moved: a page whose load changes the session, then redirects (302).
import { redirect } from "@sveltejs/kit";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => {
  locals.session.set("count", 302);
  redirect(302, "/peek");
};
