// The system Chromium for browser tests, driven by playwright-core.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * False when Chromium is there (installing Debian's package when it is missing
 * and we are root); a skip reason otherwise. Under CI=true a missing browser fails.
 */
export function needChromium(): false | string {
  if (!existsSync(CHROMIUM) && process.getuid?.() === 0) {
    try {
      execFileSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"], { stdio: "ignore", timeout: 600_000 });
    } catch {
      // reported below
    }
  }
  if (existsSync(CHROMIUM)) return false;
  const line = `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`;
  if (process.env.CI === "true") throw new Error(`${line}, and CI=true requires it`);
  console.log(`# skipped: ${line}`);
  return line;
}
