// The test app's SvelteKit config: adapter-node, so that `node build/index.js` serves it (HOST,
// PORT and ORIGIN from the environment). `tessera-session/sveltekit` is not among the package's
// exports yet, so the package's entries resolve to the repository's sources, which Vite compiles
// into the build (a change to src/ needs no `npm run build` first); SvelteKit hands these
// aliases to Vite and to the generated .svelte-kit/tsconfig.json alike. The subpaths come
// first: the bare name also matches what starts with "tessera-session/".
import adapter from "@sveltejs/adapter-node";

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter({ precompress: false }),
    alias: {
      "tessera-session/sveltekit": "../../../src/sveltekit.ts",
      "tessera-session/redis": "../../../src/redis.ts",
      "tessera-session": "../../../src/index.ts",
    },
  },
};
