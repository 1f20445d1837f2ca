import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../src/lib/stores/file.js";
import { runConformance } from "./conformance.js";

/** Every file under `dir`, concatenated: names and contents. */
async function dumpTree(dir: string): Promise<string> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    out.push(path);
    if (entry.isFile()) out.push(await readFile(path, "utf8"));
  }
  return out.join("\n");
}

for (const syncReads of [true, false]) {
  runConformance(`file (${syncReads ? "sync" : "async"} reads)`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "tessera-conformance-"));
    const store = new FileStore({ dir, syncReads });
    const close = async () => {
      await store.settled();
      await rm(dir, { recursive: true, force: true });
    };
    return { store, dump: () => dumpTree(dir), close };
  });
}
