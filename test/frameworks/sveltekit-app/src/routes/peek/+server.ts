// GET /peek: the counter as JSON, the session only read.
import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ locals }) => json({ count: locals.session.get("count") ?? null });
