// GET /crash: a page whose load changes the session, then fails unexpectedly (a 500 error page).
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => {
  locals.session.set("count", 999);
  throw new Error("load failed");
};
