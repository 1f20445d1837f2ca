// POST /signin from a browser's form (Accept: text/html, or use:enhance's x-sveltekit-action):
// a form action that ends with redirect(303). Its Location says it was the action that ran.
import { redirect } from "@sveltejs/kit";
import { signIn } from "$lib/server/sign-in";
import type { Actions } from "./$types";

export const actions: Actions = {
  default: ({ locals }) => {
    signIn(locals.session);
    redirect(303, "/?via=action");
  },
};
