// The framework benchmark's bare SvelteKit (bench/frameworks/sveltekit.ts): no session hook runs here.
import { text } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = () => text("ok");
