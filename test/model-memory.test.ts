import { MemoryStore } from "../src/lib/stores/memory.js";
import { LocalEndpoint } from "./model/endpoint.js";
import { runModel } from "./model/model.js";

runModel("memory (two storages on one store)", async () => {
  const store = new MemoryStore();
  return { endpoints: [new LocalEndpoint(store), new LocalEndpoint(store)], close: async () => {} };
});
