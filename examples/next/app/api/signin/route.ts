import { session } from "../../../lib/session";

/** The sign-in form: a new id (no fixation), the user, a flash for the page the 303 leads to. */
export const POST = session.route(async (s, request) => {
  const name = String((await request.formData()).get("name") ?? "").trim().slice(0, 40) || "guest";
  s.regenerateId();
  s.set("userId", name);
  s.flash("notice", `Welcome, ${name}!`);
  return new Response(null, { status: 303, headers: { Location: "/" } });
});
