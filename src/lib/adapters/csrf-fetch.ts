import { checkCsrf, checkCsrfOptions, type CsrfOptions, type CsrfResult } from "../csrf/check.js";
import type { SessionStorage } from "../engine/storage.js";
import type { Session } from "../session/session.js";

/** The headers of every integration's 403 for a refused request: the reason in plain words, never cached. */
export const FORBIDDEN_HEADERS = { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } as const;

/**
 * The 403 of a refused request, as a Fetch response. `unread`: the request's body
 * was read in part for its token, and the rest is left to no one; the server
 * closes the connection after the 403 (a Node server would otherwise wait for a
 * next request behind the unread rest, keeping what it buffered).
 */
export function forbiddenResponse(result: Extract<CsrfResult, { ok: false }>, unread = false): Response {
  const headers = unread ? { ...FORBIDDEN_HEADERS, Connection: "close" } : FORBIDDEN_HEADERS;
  return new Response(`${result.message}\n`, { status: 403, headers });
}

const FORMS = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/**
 * How much of a form body is read for its token: the fields that end within it.
 * A token-less request must not make the server hold a body of any size (an
 * upload puts its `_csrf` field first, as a form's hidden input does).
 */
export const FORM_BYTES = 1 << 20;

type Fields = { get(name: string): unknown };

/**
 * A Fetch request's form fields, read from a copy (the handler still reads the body), when it is a form;
 * from `kept`, the framework's own copy, when a middleware before the check has read the body already.
 * `cut`: only the first FORM_BYTES of a longer body were read.
 */
async function formOf(request: Request, kept?: () => Promise<Fields>): Promise<{ fields?: Fields; cut: boolean }> {
  const type = request.headers.get("content-type") ?? "";
  if (!FORMS.test(type) || !request.body) return { cut: false };
  let cut = false;
  try {
    if (request.bodyUsed && kept) return { fields: await kept(), cut };
    const { bytes, whole } = await prefixOf(request.clone().body!, FORM_BYTES);
    cut = !whole;
    return { fields: await new Response(whole ? bytes : completeFields(bytes, type), { headers: { "content-type": type } }).formData(), cut };
  } catch {
    return { cut };
  }
}

/** The first `limit` bytes of `body` (all of it when no longer), then the rest left unread. */
async function prefixOf(body: ReadableStream<Uint8Array>, limit: number): Promise<{ bytes: Uint8Array<ArrayBuffer>; whole: boolean }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // Exactly `limit` bytes and then the end is a whole body too: only a byte past it cuts the body.
      if (done) return { bytes: joined(chunks, size), whole: true };
      chunks.push(value);
      size += value.length;
      if (size > limit) return { bytes: joined(chunks, limit), whole: false };
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** The first `size` bytes of `chunks`, as one array (only as large as what was read). */
function joined(chunks: readonly Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    if (at === size) break;
    const part = chunk.subarray(0, size - at);
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/** The fields that end within `prefix`, the start of a longer form body of `type`, as a complete body. */
function completeFields(prefix: Uint8Array<ArrayBuffer>, type: string): Uint8Array<ArrayBuffer> {
  // One character per byte: an index in the text is an index in the bytes.
  const text = new TextDecoder("latin1").decode(prefix);
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  if (!boundary) return prefix.subarray(0, Math.max(0, text.lastIndexOf("&")));
  const delimiter = `\r\n--${boundary[1] ?? boundary[2]}`;
  const end = text.lastIndexOf(delimiter);
  if (end <= 0) return new Uint8Array();
  const close = new TextEncoder().encode(`${delimiter}--\r\n`);
  const body = new Uint8Array(end + close.length);
  body.set(prefix.subarray(0, end));
  body.set(close, end);
  return body;
}

/**
 * Whether the storage's sessions ride in a cookie, which a browser attaches by
 * itself (and so can be forged across sites); `options` are checked first, so a
 * middleware made with bad ones fails where it is made, not on the first POST.
 */
export function isAmbient(storage: SessionStorage<any, any>, options: CsrfOptions): boolean {
  checkCsrfOptions(options);
  return storage.transport.requestHeader === "cookie";
}

/**
 * The CSRF check (`checkCsrf`) of a Fetch `request` for `session`: null when it
 * may go on, else the 403 to answer with. The token is read from the header,
 * else from the form field of a form body (read from a copy of the request).
 *
 * ```ts
 * const refused = await verifyCsrf(request, await getSession(request));
 * if (refused) return refused;
 * ```
 */
export async function verifyCsrf(request: Request, session: Session<any, any>, options: CsrfOptions = {}): Promise<Response | null> {
  return (await csrfVerdict(request, session, options)).refused;
}

/** What the check of a request found: the 403 to answer with (or null), and whether its body was read only in part. */
export interface CsrfVerdict {
  refused: Response | null;
  cut: boolean;
}

/** `verifyCsrf`, for an integration, whose framework may keep a copy of a body it has read (`kept`, its form fields). */
export async function csrfVerdict(request: Request, session: Session<any, any>, options: CsrfOptions, kept?: () => Promise<Fields>): Promise<CsrfVerdict> {
  const header = (name: string) => request.headers.get(name);
  const method = request.method;
  const host = new URL(request.url).host;
  // A form is read only when the header carries no token and the method is unsafe.
  const quick = checkCsrf(session, { method, host, header }, options);
  if (quick.ok) return { refused: null, cut: false };
  if (quick.reason !== "missing-token") return { refused: forbiddenResponse(quick), cut: false };
  const form = await formOf(request, kept);
  const field = (name: string) => {
    const value = form.fields?.get(name);
    return typeof value === "string" ? value : null;
  };
  const result = checkCsrf(session, { method, host, header, field }, options);
  return { refused: result.ok ? null : forbiddenResponse(result, form.cut), cut: form.cut };
}

/**
 * Once the handler has answered a request the check let through: a body read in
 * part for its token, that the handler left unread, is read to its end and
 * dropped, as Node drops an unread body. Node drops none it has begun to read,
 * and its keep-alive connection would wait behind the rest.
 */
export function dropUnread(request: Request, verdict: CsrfVerdict): void {
  if (verdict.cut && !request.bodyUsed) request.body?.pipeTo(new WritableStream()).catch(() => {});
}
