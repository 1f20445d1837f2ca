// The layout of /streamed/*: a load that streams a promise, so that a client-side navigation's
// data (`__data.json`) is SvelteKit's streamed `text/sveltekit-data`, not one JSON document.
import type { LayoutServerLoad } from "./$types";

export const load: LayoutServerLoad = () => ({ later: new Promise<string>((resolve) => setTimeout(() => resolve("streamed"), 20)) });
