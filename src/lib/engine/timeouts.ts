import { SessionConfigError } from "../errors.js";

/** The timeouts every storage takes, in seconds. */
export interface TimeoutOptions {
  /**
   * Sliding: a session unused for this long is gone. Default 14 days.
   * Enforced on the server, never by the cookie's Max-Age alone.
   */
  idleTimeout?: number | undefined;
  /** From creation, never extended by activity. Default 30 days, or `idleTimeout` when that is longer. */
  absoluteTimeout?: number | undefined;
  /**
   * Sliding expiry refreshes a session at most once per this many seconds, so a
   * busy user costs one touch an interval, not a write per request.
   * Default: a tenth of `idleTimeout`, at most one hour. Must be shorter than `idleTimeout`.
   */
  touchInterval?: number | undefined;
  /** The clock, in milliseconds since the epoch (tests pass a fake one). */
  now?: (() => number) | undefined;
}

export interface Timeouts {
  /** All in milliseconds. */
  readonly idle: number;
  readonly absolute: number;
  readonly touch: number;
  readonly now: () => number;
}

const DAY = 24 * 60 * 60;
/** Browsers keep a cookie at most 400 days (RFC 6265bis); a timeout past it is almost surely milliseconds. */
const MAX_SECONDS = 400 * DAY;

function seconds(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new SessionConfigError(`option ${name} is invalid: ${String(value)}; use a whole number of seconds above 0`);
  }
  if (value > MAX_SECONDS) {
    throw new SessionConfigError(
      `option ${name} is ${value} seconds, over 400 days: timeouts are in seconds, not milliseconds (did you mean ${Math.round(value / 1000)}?)`,
    );
  }
  return value;
}

export function resolveTimeouts(options: TimeoutOptions): Timeouts {
  const idle = seconds("idleTimeout", options.idleTimeout) ?? 14 * DAY;
  const givenAbsolute = seconds("absoluteTimeout", options.absoluteTimeout);
  if (givenAbsolute !== undefined && options.idleTimeout !== undefined && idle > givenAbsolute) {
    throw new SessionConfigError(
      `option idleTimeout (${idle}) is longer than absoluteTimeout (${givenAbsolute}): a session always ends at absoluteTimeout, so make idleTimeout shorter`,
    );
  }
  // A default never makes a valid option invalid: the default absolute timeout grows to a longer idle one.
  const absolute = givenAbsolute ?? Math.max(30 * DAY, idle);
  const touchSeconds = seconds("touchInterval", options.touchInterval);
  if (touchSeconds !== undefined && touchSeconds >= idle) {
    throw new SessionConfigError(`option touchInterval (${touchSeconds}) must be shorter than idleTimeout (${idle})`);
  }
  // Default: a tenth of the idle timeout, at most an hour, in milliseconds (so idleTimeout: 1 works).
  const touch = touchSeconds !== undefined ? touchSeconds * 1000 : Math.min(3600_000, (idle * 1000) / 10);
  const now = options.now ?? Date.now;
  if (typeof now !== "function") throw new SessionConfigError("option now must be a function returning milliseconds");
  return { idle: idle * 1000, absolute: absolute * 1000, touch, now };
}

/** When a session created at `createdAt` and last used at `lastSeenAt` ends. */
export function expiryOf(t: Timeouts, createdAt: number, lastSeenAt: number): number {
  return Math.min(lastSeenAt + t.idle, createdAt + t.absolute);
}

/** Whole seconds from `now` until `expiresAt`, for a cookie's Max-Age (never past the server's expiry). */
export function secondsUntil(expiresAt: number, now: number): number {
  return Math.max(0, Math.floor((expiresAt - now) / 1000));
}
