// GET /unauthorized: a change, then error(401) thrown from an endpoint.
import { error } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ locals }) => {
  locals.session.set("count", 401);
  error(401, "sign in first");
};
