import { CliError } from "./fail.js";
import { openStore } from "./open-store.js";
import { failureReason } from "./reason.js";

export const sessionsHelp = `tessera sessions --store <file:DIR | redis://... | postgres://...> --user <id> [--revoke] [--prefix P] [--table T]

Lists the live sessions of a user (as kept under the storage's userKey), or
with --revoke ends all of them ("log out everywhere"). A store that does not
exist or cannot be reached is an error (exit code 2), never "0 sessions".`;

export async function sessions(spec: string | undefined, user: string | undefined, revoke: boolean, options: { prefix?: string; table?: string }): Promise<number> {
  if (!user) throw new CliError("sessions needs --user <id>");
  const { store, label, close } = await openStore(spec, options);
  try {
    if (!store.listByUser || !store.deleteByUser) throw new CliError(`${label} keeps no user index`);
    const now = Date.now();
    if (revoke) {
      const n = await store.deleteByUser(user, undefined, now);
      console.log(`${n} session${n === 1 ? "" : "s"} of ${JSON.stringify(user)} ended in ${label}`);
      return 0;
    }
    const rows = await store.listByUser(user, now);
    console.log(`${rows.length} live session${rows.length === 1 ? "" : "s"} of ${JSON.stringify(user)} in ${label}`);
    for (const { key, record } of rows.sort((a, b) => b.record.lastSeenAt - a.record.lastSeenAt)) {
      console.log(
        `  ${key.slice(0, 8)}  created ${new Date(record.createdAt).toISOString()}  last seen ${new Date(record.lastSeenAt).toISOString()}  expires ${new Date(record.expiresAt).toISOString()}`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`sessions${revoke ? " --revoke" : ""} failed on ${label}: ${failureReason(error)}`, 1);
  } finally {
    await close();
  }
}
