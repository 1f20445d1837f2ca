// The app's session type reaches `event.locals.session` through App.Locals.
import type { SessionLocals } from "tessera-session/sveltekit";
import type { AppData, AppFlash } from "$lib/server/storage";

declare global {
  namespace App {
    interface Locals extends SessionLocals<AppData, AppFlash> {}
  }
}

export {};
