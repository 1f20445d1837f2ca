// Node, Bun and Deno run this file directly: the scenarios' report, as one JSON line on stdout.
import { runScenarios } from "./scenarios.js";

console.log(JSON.stringify(await runScenarios()));
