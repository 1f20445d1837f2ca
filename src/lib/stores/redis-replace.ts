import type { RedisCommands } from "./redis-commands.js";
import { FINISH, MARK, UNMARK } from "./redis-scripts.js";
import type { SessionRecord } from "./store.js";

/**
 * How long a record being moved by a regenerate may wait for its mover (at
 * least four command timeouts, so a slow mover never loses its own mark).
 */
const GRACE = 60_000;

/**
 * `replace` in Redis: three scripts, each on one key (the old and new records
 * sit in different slots on a Cluster): mark the old record as moving, which
 * every read and write then treats as absent; `create` the new one; delete the
 * old one if it still carries the mark. A logout or "log out everywhere" that
 * deletes the old record meanwhile wins: the new one is deleted and nothing
 * was created.
 *
 * A process that dies between the first and last step leaves the old record
 * marked (it expires within the grace: a minute, or four command timeouts)
 * and the new one unknown to any client: the user signs in again. So does a
 * failed create whose undo cannot reach Redis either. A last step whose
 * answer is lost is undone like a failed create, which may then end both.
 */
export async function replaceSession(
  cmd: RedisCommands,
  create: (key: string, record: SessionRecord) => Promise<void>,
  oldKey: string,
  newKey: string,
  record: SessionRecord,
  now: number,
): Promise<boolean> {
  const oldSession = cmd.sessionKey(oldKey);
  const newSession = cmd.sessionKey(newKey);
  const grace = String(Math.max(GRACE, 4 * cmd.timeout));
  if (Number(await cmd.script(MARK, oldSession, [String(now), newKey, grace])) !== 1) return false;
  let finished: boolean;
  try {
    await create(newKey, record);
    finished = Number(await cmd.script(FINISH, oldSession, [newKey])) === 1;
  } catch (error) {
    await Promise.allSettled([cmd.script(UNMARK, oldSession, [String(now), newKey], { late: true }), cmd.run(["DEL", newSession], cmd.write, { late: true })]);
    throw error;
  }
  if (!finished) await cmd.run(["DEL", newSession], cmd.write, { late: true });
  return finished;
}
