// Runs the scenarios in real workerd, through miniflare (which needs Node >= 22:
// run this file with the node22 or node24 devDependency's binary). One worker
// without and one with the nodejs_compat flag, each on 127.0.0.1, fetched once;
// prints `{ workerd, reports: { plain, nodejs_compat } }` as one JSON line.
import { fstatSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

/** A date this workerd supports (it refuses dates past its own build). */
const COMPATIBILITY_DATE = "2026-01-01";
/** workerd starts in about a second; past this something is wrong, and nothing must be left running. */
const DEADLINE_MS = 45_000;

const require = createRequire(import.meta.url);
const instances = [];
let closing;
function closeAll() {
  return (closing ??= Promise.allSettled(instances.map((mf) => mf.dispose())));
}
const abort = () => closeAll().then(() => process.exit(1));
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, abort);
// workerd outlives a killed parent: when whoever started this file goes away
// (its end of stdin closes), the workers go too.
if (fstatSync(0).isFIFO()) process.stdin.once("end", abort).resume().unref();
const deadline = setTimeout(() => {
  console.error(`workerd runner: no answer within ${DEADLINE_MS} ms`);
  abort();
}, DEADLINE_MS);

async function report(script, compatibilityFlags) {
  if (closing) throw new Error("workerd runner: stopping");
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags,
    host: "127.0.0.1",
    port: 0,
    // Without this miniflare fetches a `cf` object from the Internet at startup.
    cf: false,
  });
  instances.push(mf);
  const url = await mf.ready;
  if (url.hostname !== "127.0.0.1") throw new Error(`miniflare listens on ${url.hostname}, not 127.0.0.1`);
  const response = await fetch(url, { signal: AbortSignal.timeout(DEADLINE_MS) });
  const text = await response.text();
  if (!response.ok) throw new Error(`workerd answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

try {
  // Bundled for the web platform: a static node: import would fail here.
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL("./worker.js", import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    logLevel: "error",
  });
  const script = bundle.outputFiles[0].text;
  const [plain, nodejsCompat] = await Promise.all([report(script, []), report(script, ["nodejs_compat"])]);
  console.log(JSON.stringify({ workerd: require("workerd/package.json").version, reports: { plain, nodejs_compat: nodejsCompat } }));
} catch (error) {
  console.error(error?.stack ?? error);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await closeAll();
}
