// The record `markAuthenticated` keeps in a session's data: when the user last
// proved who they are, per method, in milliseconds since the epoch.
import { emptyRecord } from "./state.js";

/** When and how the user last proved who they are in this session. */
export interface Authentication {
  /** The latest proof, by any method. */
  authenticatedAt: Date;
  /** Each method used in this session, with when it was last used. */
  methods: Record<string, Date>;
}

/** The stored record, `{ method: milliseconds }`, if `value` is one (anything else counts as none). */
function recordOf(value: unknown): Record<string, number> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = emptyRecord() as Record<string, number>;
  for (const [method, at] of Object.entries(value)) if (Number.isFinite(at)) record[method] = at as number;
  return record;
}

/** The stored record with `method` proven at `now`. */
export function withMethod(stored: unknown, method: unknown, now: number): Record<string, number> {
  if (typeof method !== "string" || method === "" || method.length > 64) {
    throw new TypeError(`markAuthenticated({ method }): a method is a name of 1 to 64 characters ("password", "totp"), got ${JSON.stringify(method)}`);
  }
  return { ...recordOf(stored), [method]: now };
}

/** The stored record with only `methods` in it; undefined when none of them is there. */
export function provenOnly(stored: unknown, methods: readonly string[]): Record<string, number> | undefined {
  const record = recordOf(stored);
  const kept = emptyRecord() as Record<string, number>;
  for (const method of methods) if (record && Object.hasOwn(record, method)) kept[method] = record[method]!;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** The stored record as the session shows it, or undefined when there is none. */
export function authenticationOf(stored: unknown): Authentication | undefined {
  const record = recordOf(stored);
  const entries = record ? Object.entries(record) : [];
  if (entries.length === 0) return undefined;
  const methods = Object.fromEntries(entries.map(([method, at]) => [method, new Date(at)]));
  return { authenticatedAt: new Date(Math.max(...entries.map(([, at]) => at))), methods };
}
