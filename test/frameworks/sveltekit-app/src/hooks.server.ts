// The session hook, made on the first request: `vite build` imports this module and must not
// connect to Redis. The bench's sessionless routes (bench/frameworks/sveltekit.ts) skip it.
import type { Handle, HandleServerError } from "@sveltejs/kit";
import { sessionHandle } from "tessera-session/sveltekit";
import { appStorage } from "$lib/server/storage";

let session: Handle | undefined;

const sessionless = (path: string) => path === "/bench/bare" || path === "/bench/hand-written";

export const handle: Handle = (input) => (sessionless(input.event.url.pathname) ? input.resolve(input.event) : (session ??= sessionHandle(appStorage()))(input));

/** The errors the tests provoke on purpose (GET /fail, /crash) are logged only with LOG_ERRORS=1. */
export const handleError: HandleServerError = ({ error, message }) => {
  if (process.env.LOG_ERRORS === "1") console.error(error);
  return { message };
};
