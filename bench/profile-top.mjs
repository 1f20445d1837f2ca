// The top self-time functions of a .cpuprofile (from node --cpu-prof), then the same time by file:
//   node bench/profile-top.mjs file.cpuprofile [count]
// With --import tsx, Node writes one profile per thread: pass the largest (the main thread's).
import { readFileSync } from "node:fs";

const [file, count = "25"] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const byFunction = new Map();
const byFile = new Map();
const add = (map, key, dt) => map.set(key, (map.get(key) ?? 0) + dt);
let total = 0;
// Each sample names the node that was running; the time deltas weigh the samples.
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const where = url.replace(/^.*\/(node_modules|dist|bench|src)\//, "$1/");
  add(byFunction, `${functionName || "(anonymous)"}${where ? ` ${where}:${lineNumber + 1}` : ""}`, dt);
  add(byFile, where || functionName || "(anonymous)", dt);
});
const show = (map, n) => {
  for (const [key, dt] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${((dt / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
};
console.log(`${(total / 1e6).toFixed(2)} s sampled; self time:`);
show(byFunction, Number(count));
console.log("\nby file:");
show(byFile, 15);
