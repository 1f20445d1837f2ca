import { session } from "../../../lib/session";

export const POST = session.route(async (s) => {
  s.regenerateId();
  s.set("userId", "ann");
  s.flash("notice", "Welcome ann");
  return new Response(null, { status: 303, headers: { Location: "/" } });
});
