import type { SessionRecord } from "./store.js";

/**
 * The JSON inside a session file. Every time the store answers with is in here:
 * the file's atime moves whenever anyone reads it (a backup, `grep -r`), so it
 * can never mean "last seen". The mtime is set to the expiry as well, so that
 * `purge()` finds expired files with a `stat` alone.
 */
export interface FileBody {
  d: Record<string, unknown>;
  c: number;
  l: number;
  e: number;
  u?: string;
  m?: number;
}

export function bodyOf(record: SessionRecord): FileBody {
  const body: FileBody = { d: record.data, c: record.createdAt, l: record.lastSeenAt, e: record.expiresAt };
  if (record.userId !== undefined) body.u = record.userId;
  if (record.maxAge !== undefined) body.m = record.maxAge;
  return body;
}

/** A file written before the expiry moved into the body: its mtime holds it. */
export const LEGACY = Symbol("legacy");

/**
 * The body in `text`, or null when it is not a session file of this store
 * (then it reads as no session). A file of the earlier format, without `e`,
 * takes its expiry from `mtimeMs`, or is LEGACY when that is not given.
 */
export function parseBody(text: string, mtimeMs?: number): FileBody | null | typeof LEGACY {
  let body: FileBody;
  try {
    body = JSON.parse(text) as FileBody;
  } catch {
    return null;
  }
  if (typeof body !== "object" || body === null) return null;
  if (body.e === undefined) {
    if (mtimeMs === undefined) return LEGACY;
    body.e = Math.round(mtimeMs);
  }
  const { d, c, l, e, u, m } = body;
  const ok =
    typeof d === "object" && d !== null && !Array.isArray(d) &&
    Number.isFinite(c) && Number.isFinite(l) && Number.isFinite(e) &&
    (u === undefined || typeof u === "string") && (m === undefined || Number.isFinite(m));
  return ok ? body : null;
}

/** The record of `body` when it is live at `now`. */
export function recordOf(body: FileBody, now: number): SessionRecord | null {
  if (body.e <= now) return null;
  const record: SessionRecord = { data: body.d, createdAt: body.c, lastSeenAt: body.l, expiresAt: body.e };
  if (body.u !== undefined) record.userId = body.u;
  if (body.m !== undefined) record.maxAge = body.m;
  return record;
}

/** True when the file of `body` can go at `now`: not a session file (null), or expired. */
export const isDead = (body: FileBody | null, now: number) => body === null || body.e <= now;
