// GET /: who is signed in, and the flash notice (shown once), as JSON.
import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ locals }) => json({ user: locals.session.get("userId") ?? null, notice: locals.session.get("notice") ?? null });
