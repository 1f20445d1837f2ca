// GET /streamed/crash: /crash under a streaming layout.
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => {
  locals.session.set("count", 999);
  throw new Error("load failed");
};
