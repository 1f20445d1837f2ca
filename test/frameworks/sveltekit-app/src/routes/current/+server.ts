// GET /current: currentSession() in an endpoint, after an await, is the session of event.locals.
import { json } from "@sveltejs/kit";
import { currentSession } from "tessera-session/sveltekit";
import type { AppData, AppFlash } from "$lib/server/storage";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = async ({ locals }) => {
  await new Promise((resolve) => setTimeout(resolve, 1));
  const found = await currentSession<AppData, AppFlash>();
  found.set("count", 5);
  return json({ same: found === locals.session });
};
