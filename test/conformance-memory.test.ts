import { MemoryStore } from "../src/lib/stores/memory.js";
import { runConformance } from "./conformance.js";

runConformance("memory", async () => {
  const store = new MemoryStore();
  const tiers = store as unknown as { signedIn: Map<string, object>; anonymous: Map<string, object> };
  return { store, dump: async () => JSON.stringify([...tiers.signedIn, ...tiers.anonymous]) };
});
