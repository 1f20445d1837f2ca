import { CliError } from "./fail.js";
import { openStore } from "./open-store.js";
import { failureReason } from "./reason.js";

export const purgeHelp = `tessera purge --store <file:DIR | redis://... | postgres://...> [--prefix P] [--table T]

Deletes expired sessions and says how many. On a file store it shows its
progress shard by shard. Redis expires sessions by itself: there purge drops
the user-index members whose session is gone, and says how many.
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
    const plural = removed === 1 ? "" : "s";
    // A Redis store's purge counts index members: its sessions expired by themselves.
    const what = label.startsWith("Redis") ? `dead user-index member${plural} dropped` : `expired session${plural} deleted`;
    console.log(`${removed} ${what} from ${label}`);
    return 0;
  } catch (error) {
    if (process.stderr.isTTY) process.stderr.write("\n");
    if (error instanceof CliError) throw error;
    throw new CliError(`purge failed on ${label}: ${failureReason(error)}`, 1);
  } finally {
    await close();
  }
}
