// The two workloads every benchmark runs. A storage remembers the last ~1,000
// tokens it issued or authenticated (src/verified-tokens.ts), so one session
// presented over and over skips its crypto on every request; a server with many
// users sees mostly cookies it has not seen lately, and pays for them in full.
import { writeFileSync, mkdirSync } from "node:fs";

/** Distinct sessions of the many-users workload: ten times what the token cache holds. */
export const USERS = 10_000;

export type Workload = "many users" | "hot";
/** Many users first: it is the headline. */
export const WORKLOADS: readonly Workload[] = ["many users", "hot"];

export const DESCRIBE: Record<Workload, string> = {
  "many users": `many users: ${USERS.toLocaleString("en-US")} distinct sessions, every operation picks one at random and presents the cookie that session was last given`,
  hot: "hot: one session, its cookie presented over and over (what a single client sees; the token cache answers)",
};

/** How many sessions a workload spreads its operations over. */
export const sessionsOf = (w: Workload) => (w === "hot" ? 1 : USERS);

/** A random index below `n` (0 when `n` is 1). */
export const pick = (n: number) => (Math.random() * n) | 0;

/** One checked target, for the report's headline. */
export interface Target {
  /** What is promised, e.g. "signed round trip <= 1.8x two HMAC-SHA-256". */
  target: string;
  /** The figure of this run, e.g. "2.31x". */
  measured: string;
  met: boolean;
  /** How far off, when missed, e.g. "1.28x too slow". */
  note?: string;
}

/** Writes a benchmark's machine-readable results for bench/all.ts (bench/results/*.json is not committed). */
export function writeResults(name: string, data: unknown): void {
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(`bench/results/${name}.json`, `${JSON.stringify(data, null, 2)}\n`);
}

/** The target lines as a Markdown table. */
export function targetTable(targets: Target[]): string {
  const rows = targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? "met" : `**missed**${t.note ? `: ${t.note}` : ""}`} |`);
  return ["| target (many users) | this run | |", "|---|---:|---|", ...rows].join("\n");
}
