// The scale run's figures (bench/results/scale.md, from `npm run bench:scale`: a million
// sessions per store takes minutes, so it runs on its own) as a section of the report.
import { existsSync, readFileSync } from "node:fs";

export function scaleSection(): string {
  const file = "bench/results/scale.md";
  if (!existsSync(file)) return "# Stores at 1,000,000 sessions\n\nNot measured yet: run `npm run bench:scale`.\n";
  const text = readFileSync(file, "utf8");
  // Its heading, how it was run, and its table; the reading notes stay in scale.md.
  const table = text.split("\n\n").filter((block) => block.startsWith("|") || block.startsWith("#") || /^\d{4}-\d\d-\d\d/.test(block));
  return `${table.join("\n\n")}\n\nMeasured by \`npm run bench:scale\`, on its own date above; how to read it: [scale.md](scale.md).\n`;
}

// `node --import tsx bench/scale-section.ts >> bench/results/REPORT.md` adds it to a report made before it existed.
if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`\n${scaleSection()}`);
