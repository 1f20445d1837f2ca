/**
 * A tiny interleaved benchmark harness. Every candidate runs once per round, in
 * rotating order, so that noise from the shared machine hits all of them alike;
 * figures are medians over rounds, and ratios are taken between candidates of
 * the same run only.
 */
export interface Candidate {
  name: string;
  /** One operation. */
  run: () => Promise<unknown> | unknown;
}

export interface Result {
  name: string;
  /** Operations per second, one per round. */
  samples: number[];
  median: number;
  min: number;
  max: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timeOne(c: Candidate, ms: number): Promise<number> {
  const start = performance.now();
  let n = 0;
  let elapsed = 0;
  do {
    for (let i = 0; i < 200; i++) await c.run();
    n += 200;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (n / elapsed) * 1000;
}

export async function interleave(candidates: Candidate[], options: { rounds: number; ms: number; warmupMs?: number }): Promise<Result[]> {
  for (const c of candidates) await timeOne(c, options.warmupMs ?? 300);
  const samples = new Map(candidates.map((c) => [c.name, [] as number[]]));
  for (let r = 0; r < options.rounds; r++) {
    const order = candidates.map((_, i) => candidates[(i + r) % candidates.length]!);
    for (const c of order) samples.get(c.name)!.push(await timeOne(c, options.ms));
  }
  return candidates.map((c) => {
    const s = samples.get(c.name)!;
    return { name: c.name, samples: s, median: median(s), min: Math.min(...s), max: Math.max(...s) };
  });
}

/**
 * The ratio of `a` to `b` as the median of per-round ratios: both ran in the
 * same round, moments apart, so a slow spell of the shared machine hits both
 * and cancels out, where a ratio of overall medians would keep it.
 */
export function pairedRatio(a: Result, b: Result): number {
  return median(a.samples.map((x, i) => x / b.samples[i]!));
}

export function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2);
}

/** A Markdown table of results with the (paired) ratio of each to the named columns' candidates. */
export function table(results: Result[], columns: Array<{ title: string; ratioTo: string; invert?: boolean }>): string {
  const byName = new Map(results.map((r) => [r.name, r]));
  const head = `| candidate | ops/s (median) | min | max | ${columns.map((c) => c.title).join(" | ")} |`;
  const rule = `|---|---:|---:|---:|${columns.map(() => "---:").join("|")}|`;
  const rows = results.map((r) => {
    const ratios = columns.map((c) => {
      const base = byName.get(c.ratioTo);
      if (!base || base === r) return "";
      const x = c.invert ? pairedRatio(base, r) : pairedRatio(r, base);
      return `${x.toFixed(2)}x`;
    });
    return `| ${r.name} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${ratios.join(" | ")} |`;
  });
  return [head, rule, ...rows].join("\n");
}

export function machine(): string {
  return `${process.platform} ${process.arch}, Node ${process.version}`;
}
