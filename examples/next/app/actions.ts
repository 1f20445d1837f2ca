"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { session } from "../lib/session";
import { appStorage } from "../lib/storage";

/** The counter: saved when the action returns (a store write, or a new cookie). */
export const count = session.action(async (s) => {
  s.set("count", (s.get("count") ?? 0) + 1);
  // A store storage sets no cookie for this: tell Next to show the page again.
  revalidatePath("/");
});

/** Sign out: the session ends, its cookie expires as the action redirects. */
export const signOut = session.action(async (s) => {
  s.destroy();
  redirect("/");
});

/**
 * "Log out everywhere else": ends every other session of this user, in every browser (a store
 * storage with `userKey`), and says so on the page the redirect leads to.
 */
export const logOutEverywhereElse = session.action(async (s) => {
  const user = s.get("userId");
  const { users } = appStorage();
  if (!user || !users) redirect("/");
  const ended = await users.destroyAllSessions(user, { except: s });
  s.flash("notice", `Signed out ${ended} other session${ended === 1 ? "" : "s"}.`);
  redirect("/");
});
