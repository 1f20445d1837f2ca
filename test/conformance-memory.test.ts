import { MemoryStore } from "../src/stores/memory.js";
import { runConformance } from "./conformance.js";

runConformance("memory", async () => {
  const store = new MemoryStore();
  const entries = (store as unknown as { entries: Map<string, object> }).entries;
  return { store, dump: async () => JSON.stringify([...entries]) };
});
