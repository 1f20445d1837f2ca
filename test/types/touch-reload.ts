// #22 item 8: express-session's `touch()` and `reload()` (behaviour: test/conformance.ts,
// src/lib/engine/touch-reload.test.ts).
import { createMemorySessionStorage } from "tessera-session";

export async function lifecycle() {
  const storage = createMemorySessionStorage<{ count: number }>();
  const session = await storage.read(null);
  session.touch();
  const reloaded: Promise<void> = session.reload();
  await reloaded;
  const count: number | undefined = session.get("count");
  // @ts-expect-error: touch() takes nothing (the lifetime is setMaxAge's)
  session.touch(60);
  return count;
}
