// The scenario's sign-in (test/frameworks/scenario.ts), shared by the /signin form action and endpoint.
import type { Session } from "tessera-session/sveltekit";
import type { AppData, AppFlash } from "./storage";

/** A new id (no fixation), the user, and the notice the next page shows once. */
export function signIn(session: Session<AppData, AppFlash>): void {
  session.regenerateId();
  session.set("userId", "ann");
  session.flash("notice", "Welcome ann");
}
