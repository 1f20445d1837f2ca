// workerd runs a bundle of this file: each request answers with the scenarios' report.
import { runScenarios } from "./scenarios.js";

export default {
  async fetch() {
    return Response.json(await runScenarios());
  },
};
