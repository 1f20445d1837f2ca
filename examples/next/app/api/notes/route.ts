import { session } from "../../../lib/session";

/** Notes kept in the session: with cookie sessions, long notes go out as two chunked cookies. */
export const POST = session.route(async (s, request) => {
  const notes = String((await request.formData()).get("notes") ?? "").slice(0, 3000);
  if (notes) s.set("notes", notes);
  else s.unset("notes");
  return new Response(null, { status: 303, headers: { Location: "/" } });
});
