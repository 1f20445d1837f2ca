import { createHash } from "node:crypto";
import { SessionStoreError } from "../errors.js";
import type { RedisConnection, Send } from "./redis-client.js";
import { CREATE, DELETE_OWNED, FINISH, INDEX, MARK, PRUNE, TAKE, TOUCH, UNMARK, UPDATE, UPGRADE } from "./redis-scripts.js";
import { STORE_KEY } from "./store.js";
import { withTimeout } from "./with-timeout.js";

const sha1 = (script: string) => createHash("sha1").update(script).digest("hex");
const SHA = new Map<string, string>([CREATE, DELETE_OWNED, FINISH, INDEX, MARK, PRUNE, TAKE, TOUCH, UNMARK, UPDATE, UPGRADE].map((s) => [s, sha1(s)]));

/** True when the server's own error, kept as the cause of a store error, matches `pattern`. */
export const causeSays = (error: unknown, pattern: RegExp) => pattern.test(String(((error as Error).cause as Error | undefined)?.message));

export interface RunOptions {
  /**
   * Never aborted when given up on: a repair after a failed write (UNMARK, the
   * DEL of a half-made record) or an ending (a logout, "log out everywhere", a
   * revocation), which still does what it was sent for when it runs late.
   */
  late?: boolean;
}

/**
 * The Redis store's commands: each bounded in time, any failure a
 * `SessionStoreError`, and every key named under the store's prefix.
 */
export class RedisCommands {
  readonly read: Send;
  readonly write: Send;
  readonly prefix: string;
  readonly timeout: number;
  readonly #connection: RedisConnection;

  constructor(connection: RedisConnection, prefix: string, timeout: number) {
    this.#connection = connection;
    this.read = connection.read;
    this.write = connection.write;
    this.prefix = prefix;
    this.timeout = timeout;
  }

  /**
   * One command, bounded in time; any failure is a `SessionStoreError`. A
   * command given up on is aborted: one still queued is never sent, so a
   * write that answered 503 never lands over what later requests wrote.
   * Except one that is welcome whenever it lands (`late`).
   */
  run(args: string[], send: Send = this.read, { late = false }: RunOptions = {}): Promise<unknown> {
    const abort = !late && this.#connection.mayQueue() ? new AbortController() : undefined;
    let work: Promise<unknown>;
    try {
      work = send(args, abort?.signal);
    } catch (error) {
      work = Promise.reject(error);
    }
    return withTimeout("redis", this.timeout, work, abort && (() => abort.abort()));
  }

  /** EVALSHA, loading the script on the first NOSCRIPT. */
  async script(source: string, key: string, args: string[], options?: RunOptions): Promise<unknown> {
    try {
      return await this.run(["EVALSHA", SHA.get(source)!, "1", key, ...args], this.write, options);
    } catch (error) {
      if (!causeSays(error, /NOSCRIPT/)) throw error;
      return this.run(["EVAL", source, "1", key, ...args], this.write, options);
    }
  }

  /** A sender per master, bounded in time. */
  masters(): Promise<Send[]> {
    return withTimeout("redis", this.timeout, this.#connection.masters());
  }

  sessionKey(key: string): string {
    if (typeof key !== "string" || !STORE_KEY.test(key)) throw new SessionStoreError("redis store: refused a malformed key");
    return `${this.prefix}s:{${key}}`;
  }

  userKey(userId: string): string {
    return `${this.prefix}u:{${createHash("sha256").update(String(userId)).digest("base64url")}}`;
  }
}
