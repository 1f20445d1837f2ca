import { SessionConfigError } from "./errors.js";

/** The timeouts every storage takes, in seconds. */
export interface TimeoutOptions {
  /**
   * Sliding: a session unused for this long is gone. Default 14 days.
   * Enforced on the server, never by the cookie's Max-Age alone.
   */
  idleTimeout?: number;
  /** From creation, never extended by activity. Default 30 days. */
  absoluteTimeout?: number;
  /**
   * Sliding expiry refreshes a session at most once per this many seconds, so a
   * busy user costs one touch an interval, not a write per request.
   * Default: a tenth of `idleTimeout`, at most one hour.
   */
  touchInterval?: number;
  /** The clock, in milliseconds since the epoch (tests pass a fake one). */
  now?: () => number;
}

export interface Timeouts {
  /** All in milliseconds. */
  readonly idle: number;
  readonly absolute: number;
  readonly touch: number;
  readonly now: () => number;
}

const DAY = 24 * 60 * 60;

function seconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new SessionConfigError(`option ${name} is invalid: ${String(value)}; use a whole number of seconds above 0`);
  }
  return value;
}

export function resolveTimeouts(options: TimeoutOptions): Timeouts {
  const idle = seconds("idleTimeout", options.idleTimeout, 14 * DAY);
  const absolute = seconds("absoluteTimeout", options.absoluteTimeout, 30 * DAY);
  const touch = seconds("touchInterval", options.touchInterval, Math.max(1, Math.min(3600, Math.floor(idle / 10))));
  if (touch >= idle) {
    throw new SessionConfigError(`option touchInterval (${touch}) must be shorter than idleTimeout (${idle})`);
  }
  const now = options.now ?? Date.now;
  if (typeof now !== "function") throw new SessionConfigError("option now must be a function returning milliseconds");
  return { idle: idle * 1000, absolute: absolute * 1000, touch: touch * 1000, now };
}

/** When a session created at `createdAt` and last used at `lastSeenAt` ends. */
export function expiryOf(t: Timeouts, createdAt: number, lastSeenAt: number): number {
  return Math.min(lastSeenAt + t.idle, createdAt + t.absolute);
}

/** Whole seconds from `now` until `expiresAt`, for a cookie's Max-Age (never past the server's expiry). */
export function secondsUntil(expiresAt: number, now: number): number {
  return Math.max(0, Math.floor((expiresAt - now) / 1000));
}
