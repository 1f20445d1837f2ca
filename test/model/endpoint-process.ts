// A model-test server in a process of its own: `node --import tsx endpoint-process.ts '<spec json>'`.
// It answers the driver's IPC messages { n, method, args } with { n, ok, value | error }.
import { LocalEndpoint } from "./endpoint.js";
import { openShared, type SharedStore } from "./stores.js";

const spec = JSON.parse(process.argv[2]!) as SharedStore;
const { store, close } = await openShared(spec);
const endpoint = new LocalEndpoint(store, close);

process.on("message", async (message: { n: number; method: string; args: unknown[] }) => {
  try {
    const value = await (endpoint as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[message.method]!(...message.args);
    process.send!({ n: message.n, ok: true, value });
    if (message.method === "close") process.disconnect();
  } catch (error) {
    process.send!({ n: message.n, ok: false, error: String((error as Error)?.stack ?? error) });
  }
});
process.send!({ n: 0, ok: true, value: "ready" });
