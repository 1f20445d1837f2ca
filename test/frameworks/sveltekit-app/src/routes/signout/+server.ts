// POST /signout: the session destroyed, then a redirect thrown from the endpoint.
import { redirect } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const POST: RequestHandler = ({ locals }) => {
  locals.session.destroy();
  redirect(303, "/");
};
