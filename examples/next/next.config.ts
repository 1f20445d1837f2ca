import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

// The repository's root: `tessera-session/next` is the package itself (a self-reference to its
// dist/), and `next`, `react` and `redis` are installed there, not in this directory.
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const config: NextConfig = {
  turbopack: { root },
  outputFileTracingRoot: root,
  // The redis client stays a plain Node require, one module instance for every bundle layer.
  serverExternalPackages: ["redis"],
};

export default config;
