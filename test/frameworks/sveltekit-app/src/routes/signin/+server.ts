// POST /signin from a client that does not ask for HTML (the scenario's, Accept: */*): SvelteKit
// sends it to this endpoint rather than to the page's form action, which would answer such a
// client with JSON ({ type: "redirect" }, status 200) instead of the scenario's 303.
import { redirect } from "@sveltejs/kit";
import { signIn } from "$lib/server/sign-in";
import type { RequestHandler } from "./$types";

export const POST: RequestHandler = ({ locals }) => {
  signIn(locals.session);
  redirect(303, "/");
};
