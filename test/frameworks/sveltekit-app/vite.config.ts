// The test app's Vite config: SvelteKit's plugin, quiet but for warnings.
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [sveltekit()],
  logLevel: "warn",
});
