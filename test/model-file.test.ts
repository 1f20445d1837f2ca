import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalEndpoint } from "./model/endpoint.js";
import { runModel } from "./model/model.js";
import { remoteEndpoint } from "./model/remote.js";
import { openShared, type SharedStore } from "./model/stores.js";

runModel("file (two processes on one directory)", async () => {
  const spec: SharedStore = { kind: "file", dir: await mkdtemp(join(tmpdir(), "tessera-model-")) };
  const local = await openShared(spec);
  const remote = await remoteEndpoint(spec);
  return {
    endpoints: [new LocalEndpoint(local.store, local.close), remote],
    close: async () => {
      await remote.close();
      await local.close();
      await rm(spec.dir, { recursive: true, force: true });
    },
  };
});
