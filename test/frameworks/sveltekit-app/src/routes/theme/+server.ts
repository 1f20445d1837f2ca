// GET /theme: the app's own cookie through event.cookies, beside a session change.
import { text } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ locals, cookies }) => {
  cookies.set("theme", "dark", { path: "/", httpOnly: false });
  locals.session.set("count", 1);
  return text("ok");
};
