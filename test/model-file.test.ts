import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runModel } from "./model/model.js";
import { twoProcesses } from "./model/stores.js";

runModel("file (two processes on one directory)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tessera-model-"));
  return twoProcesses({ kind: "file", dir }, () => rm(dir, { recursive: true, force: true }));
});
