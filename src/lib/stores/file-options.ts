import { randomBytes } from "node:crypto";
import { mkdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SessionConfigError } from "../errors.js";
import { codeOf } from "./file-layout.js";

export interface FileStoreOptions {
  /** The directory that holds the sessions. Created (mode 0700) when missing. */
  dir: string;
  /** How long a write may wait for another process's lock (ms). Default 5000. */
  lockTimeout?: number | undefined;
  /**
   * Read session files with synchronous calls (default true). A session file is
   * a few hundred bytes in the page cache: four system calls take about 10 us,
   * while the same four through the thread pool took about 200 us at the median
   * (bench/stores.ts). Set false when `dir` is on a network file system, where
   * one read can stall for milliseconds.
   */
  syncReads?: boolean | undefined;
}

const shown = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : String(value));

/** The options with their defaults, once each is valid and `dir` can hold sessions; a `SessionConfigError` naming the first that is not. */
export function checkFileOptions(options: FileStoreOptions): Required<FileStoreOptions> {
  const given = (options ?? {}) as Partial<FileStoreOptions>;
  const { dir, lockTimeout = 5000, syncReads = true } = given;
  if (dir === undefined) throw new SessionConfigError("option dir is missing: pass { dir }, the directory to keep session files in");
  if (typeof dir !== "string" || dir === "") throw new SessionConfigError(`option dir is invalid: ${shown(dir)}; use the path of the directory to keep session files in`);
  if (typeof lockTimeout !== "number" || !Number.isFinite(lockTimeout) || lockTimeout <= 0) {
    throw new SessionConfigError(`option lockTimeout is invalid: ${shown(lockTimeout)}; use the milliseconds a write may wait for a lock, above 0 (default 5000)`);
  }
  if (typeof syncReads !== "boolean") throw new SessionConfigError(`option syncReads is invalid: ${shown(syncReads)}; use true or false`);
  prepare(dir);
  return { dir, lockTimeout, syncReads };
}

/**
 * Makes `dir` (mode 0700) and proves it can hold files, so that a wrong path
 * fails when the storage is created, not at the first login.
 */
function prepare(dir: string): void {
  let failure: unknown;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    failure = error;
  }
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    throw new SessionConfigError(
      `option dir ${shown(dir)} cannot be created (${codeOf(failure ?? error) ?? "error"}): use a directory path this process may create`,
      { cause: failure ?? error },
    );
  }
  if (!isDirectory) throw new SessionConfigError(`option dir ${shown(dir)} is not a directory: use the path of a directory (made when missing)`);
  const probe = join(dir, `.probe.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(probe, "", { flag: "wx", mode: 0o600 });
    unlinkSync(probe);
  } catch (error) {
    throw new SessionConfigError(`option dir ${shown(dir)} cannot be written (${codeOf(error) ?? "error"}): use a directory this process may create files in`, {
      cause: error,
    });
  }
}
