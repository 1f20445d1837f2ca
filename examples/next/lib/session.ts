import { nextSession } from "tessera-session/next";
import { appStorage } from "./storage";

/** The app's sessions: `getSession()` in pages, `route()` and `action()` where they change. */
export const session = nextSession(() => appStorage().storage);
