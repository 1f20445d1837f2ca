import { session } from "../../../lib/session";

export const POST = session.route(async (s) => {
  s.destroy();
  return new Response(null, { status: 303, headers: { Location: "/" } });
});
