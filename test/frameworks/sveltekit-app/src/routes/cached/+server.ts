// GET /cached: the app's own Cache-Control and Vary (through setHeaders), beside a session change.
import { text } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ locals, setHeaders }) => {
  setHeaders({ "cache-control": "private, max-age=5", vary: "Accept-Language" });
  locals.session.set("count", 1);
  return text("ok");
};
