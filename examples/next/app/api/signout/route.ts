import { redirect } from "next/navigation";
import { session } from "../../../lib/session";

// Sign out for a plain form or a script: it ends with Next's own redirect() (a 307), and the
// expired cookie goes out through cookies(), as it does from a Server Action.
export const POST = session.route(async (s) => {
  s.destroy();
  redirect("/");
});
