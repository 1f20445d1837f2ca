import { CliError } from "./fail.js";
import { openStore } from "./open-store.js";
import { failureReason } from "./reason.js";

export const purgeHelp = `tessera purge --store <file:DIR | redis://... | postgres://...> [--prefix P] [--table T]

Deletes expired sessions and says how many. On a file store it shows its
progress shard by shard. Redis needs no purge (keys expire by themselves).
A store that does not exist or cannot be reached is an error (exit code 2).`;

export async function purge(spec: string | undefined, options: { prefix?: string; table?: string }): Promise<number> {
  const { store, label, close } = await openStore(spec, options);
  try {
    if (!store.purge) throw new CliError(`${label} cannot purge`);
    const tty = process.stderr.isTTY;
    const progress = (done: number, total: number) => {
      const line = `purging ${label}: ${done}/${total} shards`;
      if (tty) process.stderr.write(`\r${line}`);
      else if (done === total || done % 32 === 0) process.stderr.write(`${line}\n`);
    };
    const removed = await (store.purge as (now: number, onProgress?: typeof progress) => Promise<number>)(Date.now(), progress);
    if (tty) process.stderr.write("\n");
    console.log(`${removed} expired session${removed === 1 ? "" : "s"} deleted from ${label}${label.startsWith("Redis") ? " (Redis expires sessions by itself)" : ""}`);
    return 0;
  } catch (error) {
    if (process.stderr.isTTY) process.stderr.write("\n");
    if (error instanceof CliError) throw error;
    throw new CliError(`purge failed on ${label}: ${failureReason(error)}`, 1);
  } finally {
    await close();
  }
}
