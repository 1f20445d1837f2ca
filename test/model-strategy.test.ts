import { LocalEndpoint } from "./model/endpoint.js";
import { runModel } from "./model/model.js";

/** react-router's documented custom storage over a Map (updateData inserts when missing). */
function mapStrategy() {
  const map = new Map<string, unknown>();
  return {
    async createData(): Promise<string> {
      throw new Error("tessera names its records itself");
    },
    async readData(id: string) {
      return (map.get(id) ?? null) as Record<string, unknown> | null;
    },
    async updateData(id: string, data: unknown) {
      map.set(id, structuredClone(data));
    },
    async deleteData(id: string) {
      map.delete(id);
    },
  };
}

runModel("a Remix-style strategy (two storages in one process)", async () => {
  const strategy = mapStrategy();
  return { endpoints: [new LocalEndpoint(strategy), new LocalEndpoint(strategy)], close: async () => {} };
}, { users: false /* a strategy keeps no user index */ });
