import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

// The repository's root, where `next` is installed and `tessera-session` is the package itself.
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const config: NextConfig = { turbopack: { root }, outputFileTracingRoot: root };

export default config;
