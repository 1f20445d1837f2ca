// GET /counter: a page that shows the count; its `increment` action adds one and renders the page again.
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => ({ count: locals.session.get("count") ?? 0 });

export const actions: Actions = {
  increment: ({ locals }) => {
    locals.session.set("count", (locals.session.get("count") ?? 0) + 1);
    return { incremented: true };
  },
};
