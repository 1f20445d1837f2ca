// Differential property tests of the file session storage: @react-router/node's createFileSessionStorage
// and tessera-session/react-router/file driven side by side, through their public APIs only, with the
// same generated steps (reads of the last, the other's, tampered, forged and garbage cookies; get/has/
// set/unset/flash; commits and destroys with overrides; the clock moving past expiry). Every observable
// answer must be the same: the session data and id presence, get/has answers, errors, the Set-Cookie
// (its value masked: ids differ by design), and what is on disk. Each library gets a directory of its
// own, or both share one, where each must read the other's sessions. The only cases left out are the
// documented deliberate differences (README, "Where theirs is unsafe, this layer is not"), each where it
// is with a comment naming its row, and asserted as the difference it is.
// The seed is fixed so a failure reproduces; FC_SEED=<n> explores another one.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, mock, test } from "node:test";
import * as rrNode from "@react-router/node";
import { applySessionOp, jsonishOf, mutate, mutation, outcome, sessionOp, type Outcome } from "../../../test/differential.js";
import fc from "fast-check";
import * as rr from "react-router";
import * as ours from "../../react-router.js";
import { createFileSessionStorage } from "../../react-router-file.js";

const SEED = Number(process.env.FC_SEED ?? 20260704);
// includeErrorInReport: the failing assertion (both answers) is printed with the counterexample.
const runs = (numRuns: number) => ({ numRuns, seed: SEED, includeErrorInReport: true });
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

const pair = (setCookie: string) => setCookie.split(";")[0]!;
/** A Set-Cookie with the value (the session id) masked: ids differ by design (README: "file ids"). */
const maskId = (setCookie: string) => setCookie.replace(/^([^=]*)=([^;]+)/, "$1=<id>");

const masked = (o: Outcome): Outcome => ("ok" in o && typeof o.ok === "string" ? { ok: maskId(o.ok) } : o);

// ---- generated inputs ----------------------------------------------------------------------

const special = fc.constantFrom('"', "'", ";", ",", "=", "%", "\\", "+", "/", " ", "\t", "\n", "\u0000", "\u007f", "{", "}", ":");
const unicode = fc.constantFrom("é", "ü", "ß", "€", "中", "🌙", "👍🏽", "\uFEFF", "\u2028", "\uFFFD", "\uFFFF");
const ascii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)); // lone surrogates too
const unit = fc.oneof({ weight: 6, arbitrary: ascii }, { weight: 3, arbitrary: special }, { weight: 2, arbitrary: unicode }, { weight: 1, arbitrary: anyCodeUnit });
const text = fc.string({ unit, maxLength: 16 });
const key = fc.oneof(fc.constantFrom("a", "b", "user", "__flash_a__", "__proto__", "toString", "", "é"), text);
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, NaN, Infinity, 1e21, 2 ** 53 + 2));
const date = fc.oneof(fc.integer({ min: -600_000, max: 600_000 }).map((ms) => new Date(NOW + ms)), fc.constant(new Date(NaN)));
/** JSON-ish values, with what JSON does not keep as it is (undefined, Dates, -0, NaN): both store JSON, so both change them alike. */
const jsonish = jsonishOf({ text, number, date, key });

// Expiry within minutes of the clock, so that generated ticks cross it; sometimes far, sometimes past. Whole seconds, as
// the ticks mostly are, so that the clock also lands on an expiry exactly (expired then: `expires > now` is false).
const seconds = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 30, 60, -1) },
  { weight: 3, arbitrary: fc.integer({ min: -60, max: 600 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 400 * 86400 }) },
);
const good = {
  maxAge: seconds,
  expires: seconds.map((s) => new Date(NOW + s * 1000)),
  path: fc.constantFrom("/", "/app", ""),
  domain: fc.constantFrom("example.com", ".example.com", "localhost"),
  httpOnly: fc.boolean(),
  secure: fc.boolean(),
  sameSite: fc.constantFrom<boolean | string>(true, false, "lax", "strict", "none", "Lax"),
  partitioned: fc.boolean(),
  priority: fc.constantFrom("low", "medium", "high"),
};
const valid = <T>(ok: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 30, arbitrary: ok }, { weight: 1, arbitrary: bad });
// Wider than the option types (invalid values): both hand them to the same `cookie` package, and throw alike.
const attributes = {
  ...good,
  maxAge: valid(good.maxAge, fc.constantFrom(1.5, NaN, Infinity)),
  expires: valid(good.expires, fc.constant(new Date(NaN))),
  path: valid(good.path, fc.constant("/a;b")),
  domain: valid(good.domain, fc.constant("bad domain")),
  sameSite: valid(good.sameSite, fc.constant("bogus")),
  priority: valid(good.priority, fc.constant("urgent")),
};
const { maxAge, expires, path, httpOnly, sameSite } = attributes;
const overrides = fc.option(fc.record({ maxAge, expires, path, httpOnly, sameSite }, { requiredKeys: [] }), { nil: undefined }) as unknown as fc.Arbitrary<
  ours.CookieSerializeOptions | undefined
>;
const secret = fc.string({ unit, minLength: 1, maxLength: 10 });
// Mostly signed, as session cookies should be; unsigned ones let a tampered value decode to anything.
const secrets = fc.option(fc.array(secret, { minLength: 1, maxLength: 3 }), { nil: undefined, freq: 5 });
// The storage's cookie options: valid, or (one run in eight) perhaps not: every commit of such a run then throws, in both.
const cookieOptions = fc.oneof(
  { weight: 7, arbitrary: fc.record({ secrets, ...good }, { requiredKeys: ["secrets"] }) },
  { weight: 1, arbitrary: fc.record({ secrets, ...attributes }, { requiredKeys: ["secrets"] }) },
) as unknown as fc.Arbitrary<ours.CookieOptions>;
type CookieSpec = { kind: "none" | "options" | "own" | "other"; name: string; options: ours.CookieOptions };
/** The cookie argument of a storage: none, options with a name, a cookie of its own library, or one made by the other library. */
const storageCookie: fc.Arbitrary<CookieSpec> = fc.record({
  kind: fc.oneof({ weight: 1, arbitrary: fc.constant("none" as const) }, { weight: 3, arbitrary: fc.constantFrom("options" as const, "own" as const, "other" as const) }),
  name: fc.constantFrom("__session", "sid"),
  options: cookieOptions,
});

const tampering = mutation(fc.oneof(ascii, unicode, special));

const hex = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n });
/**
 * A string id put in a validly signed cookie: unknown ids of every length, near-misses of the reader's own id, paths. Both
 * build a path only from 16 (theirs) or 16/32 (ours) hex digits (README, below the table): for these, both find nothing.
 */
const forgedId = fc.oneof(
  fc.constantFrom("upper", "longer", "shorter", "sibling").map((derive) => ({ derive })),
  fc.oneof(hex(16), hex(32), hex(15), hex(17), hex(31), hex(33), hex(16).map((s) => s.toUpperCase())).map((id) => ({ id })),
  fc.constantFrom("", "../../etc/passwd", "0123456789abcdef/../x", "0123/../../../x", "%2e%2e/%2e%2e", "0123456789abcdef\u0000").map((id) => ({ id })),
  text.map((id) => ({ id })),
);
function forgedValue(spec: { derive: string } | { id: string }, own: unknown): string {
  if ("id" in spec) return spec.id;
  const id = typeof own === "string" && own !== "" ? own : "0123456789abcdef";
  if (spec.derive === "upper") return id.toUpperCase();
  if (spec.derive === "longer") return `${id}0`;
  if (spec.derive === "shorter") return id.slice(0, -1);
  return id.slice(0, -1) + (id.endsWith("0") ? "1" : "0"); // the id next to it
}


const read = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant("read" as const), from: fc.constant("own" as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("read" as const), from: fc.constant("other" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("read" as const), from: fc.constant("none" as const), header: fc.constantFrom(null, "", undefined) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("read" as const), from: fc.constant("tampered" as const), change: tampering }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("read" as const), from: fc.constant("forged" as const), id: forgedId }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("read" as const), from: fc.constant("garbage" as const), named: fc.boolean(), text }) },
  // The own cookie among others: before, after, or after a same-named junk one.
  { weight: 1, arbitrary: fc.record({ op: fc.constant("read" as const), from: fc.constant("among" as const), where: fc.constantFrom("first", "last", "afterJunk") }) },
);
const step = fc.oneof(
  { weight: 5, arbitrary: sessionOp(key, jsonish) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("big" as const), key, size: fc.integer({ min: 4000, max: 20_000 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("commit" as const), options: overrides }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("destroy" as const), options: overrides }) },
  // Another request (a logout in another tab) destroys the session this one still holds.
  { weight: 2, arbitrary: fc.record({ op: fc.constant("logoutElsewhere" as const), options: overrides }) },
  { weight: 6, arbitrary: read },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 120 }).map((s) => s * 1000) }, fc.integer({ min: 0, max: 700_000 })) }) },
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

// ---- the two storages, and the files read directly (an oracle neither library is asked) ----------

type Side = { who: "theirs" | "mine"; storage: ours.SessionStorage; dir: string; session: ours.Session; header: string | null };

function cookieArg(spec: CookieSpec, who: Side["who"]) {
  if (spec.kind === "none") return undefined;
  if (spec.kind === "options") return { ...spec.options, name: spec.name };
  const own = spec.kind === "own" ? who === "theirs" : who === "mine";
  return own ? rr.createCookie(spec.name, spec.options as rr.CookieOptions) : ours.createCookie(spec.name, spec.options);
}
/** react-router's cookie the storages are given, for what the test computes itself (ids in headers, forged values, expected bytes). */
const referenceCookie = (spec: CookieSpec) => (spec.kind === "none" ? rr.createCookie("__session") : rr.createCookie(spec.name, (spec.kind === "options" ? { ...spec.options, name: spec.name } : spec.options) as rr.CookieOptions));

async function makeSides(spec: CookieSpec, dirT: string, dirO: string, ids: "tessera" | "react-router"): Promise<[Side, Side]> {
  const theirs = rrNode.createFileSessionStorage({ dir: dirT, cookie: cookieArg(spec, "theirs") as never }) as unknown as ours.SessionStorage;
  const mine = createFileSessionStorage({ dir: dirO, cookie: cookieArg(spec, "mine") as never, ids }) as ours.SessionStorage;
  return [
    { who: "theirs", storage: theirs, dir: dirT, session: await theirs.getSession(null), header: null },
    { who: "mine", storage: mine, dir: dirO, session: await mine.getSession(null), header: null },
  ];
}

const pathOf = (dir: string, id: unknown) => (typeof id === "string" && /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i.test(id) ? join(dir, id.slice(0, 4), id.slice(4)) : null);
const enoent = (e: unknown) => (e as NodeJS.ErrnoException).code === "ENOENT";
async function fileAt(dir: string, id: unknown): Promise<string | null> {
  const path = pathOf(dir, id);
  if (!path) return null;
  try {
    return await readFile(path, "utf-8");
  } catch (e) {
    if (enoent(e)) return null;
    throw e;
  }
}
function live(raw: string | null): boolean {
  if (raw === null) return false;
  const { expires } = JSON.parse(raw) as { expires?: unknown };
  return typeof expires !== "string" || new Date(expires) > new Date();
}
/** Whether `side` can read the record of `id`: a file not yet expired; for theirs, only under an id of 16 hex digits (README: "file ids"). */
const readable = async (side: Side, id: unknown) => (side.who === "mine" || (typeof id === "string" && /^[0-9a-f]{16}$/i.test(id))) && live(await fileAt(side.dir, id));

/** Every file under `dir` (react-router's layout is `dir/abcd/<rest>`), with its content and mode. */
async function tree(dir: string): Promise<Array<{ name: string; content: string; mode: number }>> {
  const files = [];
  const subdirs = await readdir(dir).catch((e) => (enoent(e) ? [] : Promise.reject(e)));
  for (const sub of subdirs) {
    for (const name of await readdir(join(dir, sub))) {
      const path = join(dir, sub, name);
      files.push({ name: `${sub}/${name}`, content: await readFile(path, "utf-8"), mode: (await stat(path)).mode & 0o777 });
    }
  }
  return files;
}

/** What a session shows without consuming anything: whether it has an id (ids differ by design), and its data. */
const view = (session: ours.Session) => ({ hasId: session.id !== "", data: session.data });

/** getSession on one side. Where theirs keeps an id it could not read, the test goes on from ours' state (a session with no id). */
async function readOn(side: Side, header: string | null | undefined): Promise<{ out: Outcome; adopted: boolean }> {
  const out = await outcome(() => side.storage.getSession(header));
  if (!("ok" in out)) return { out, adopted: false };
  let session = out.ok as ours.Session;
  let adopted = false;
  if (side.who === "theirs" && session.id !== "" && !(await readable(side, session.id))) {
    // README "an id the store does not know" (and "file ids" for a live 32-digit one): theirs keeps the id, with no data; ours starts with no id.
    assert.deepEqual(session.data, {}, "theirs adopts an unknown id with no data");
    session = await side.storage.getSession(null);
    adopted = true;
  }
  side.session = session;
  return { out: { ok: view(session) }, adopted };
}

async function commitOn(side: Side, options: ours.CookieSerializeOptions | undefined): Promise<{ out: Outcome; gone: boolean }> {
  const { id } = side.session;
  const gone = id !== "" && !(await readable(side, id));
  const out = await outcome(() => side.storage.commitSession(side.session, options));
  // README "a commit after another request destroyed the session" (expiry deletes it on read alike): theirs wrote it back; undone, so both directories stay comparable.
  if (gone && side.who === "theirs") await unlink(pathOf(side.dir, id)!).catch((e) => (enoent(e) ? undefined : Promise.reject(e)));
  if ("ok" in out) side.header = pair(out.ok as string);
  return { out, gone };
}

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "tessera-rr-file-diff-"));
  // Both libraries print one-time warnings (unsigned session cookie, fixed expires); not compared here.
  mock.method(console, "warn", () => {});
  // One mocked clock for both: each computes expiry with `Date.now()` / `new Date()` (commit) and `expires > new Date()` (read).
  mock.timers.enable({ apis: ["Date"], now: NOW });
});
after(async () => {
  mock.timers.reset();
  mock.restoreAll();
  await rm(root, { recursive: true, force: true });
});

type Layout = "separate" | "shared";

function fileProperty(layout: Layout, ids: "tessera" | "react-router") {
  return fc.asyncProperty(storageCookie, fc.array(step, { minLength: 4, maxLength: 24, size: "medium" }), async (spec, steps) => {
    mock.timers.setTime(NOW);
    const base = await mkdtemp(join(root, `${layout}-`));
    try {
      const [T, O] = await makeSides(spec, layout === "shared" ? base : join(base, "theirs"), layout === "shared" ? base : join(base, "mine"), ids);
      const reference = referenceCookie(spec);
      const forger = rr.createCookie(reference.name, { secrets: (spec.kind === "none" ? undefined : spec.options.secrets) as string[] | undefined }); // the storage's name and secrets only
      const idIn = async (header: string | null) => (header === null ? null : outcome(() => reference.parse(header)).then((o) => ("ok" in o ? o.ok : null)));
      /** What a cookie header holds, in the terms both storages answer by: the id of `own`, another string, or a value of another kind. */
      const kindOf = async (header: string | null | undefined, own: string | null) => {
        const v = header == null ? null : await idIn(header);
        if (typeof v === "string") return v !== "" && v === (await idIn(own)) ? "own" : "string";
        return `${Array.isArray(v) ? "array" : v === null ? "null" : typeof v} ${/^[0-9a-f]{16}$/i.test(String(v))}`;
      };
      const newId = ids === "react-router" ? /^[0-9a-f]{16}$/ : /^[0-9a-f]{32}$/; // README "file ids"
      for (const [i, s] of (steps as Step[]).entries()) {
        const label = `step ${i}: ${JSON.stringify(s, (_k, v) => (typeof v === "string" && v.length > 40 ? `${v.slice(0, 40)}…` : v))}`;
        switch (s.op) {
          case "tick":
            mock.timers.tick(s.ms); // one clock for both; sessions held across expiry are committed later (the "gone" case below)
            break;
          case "big": {
            const value = "x".repeat(s.size); // nothing limits a file to the cookie's 4096 characters
            T.session.set(s.key, value);
            O.session.set(s.key, value);
            break;
          }
          case "commit": {
            const a = await commitOn(T, s.options);
            const b = await commitOn(O, s.options);
            assert.equal(b.gone, a.gone, `${label}: the session's record is gone in both or in neither`);
            if (a.gone) {
              // README "a commit after another request destroyed the session": theirs writes it back, ours writes nothing and expires the cookie.
              assert.deepEqual(masked(a.out), masked(await outcome(() => reference.serialize(T.session.id, s.options))), label);
              assert.deepEqual(b.out, await outcome(() => reference.serialize("", { ...s.options, maxAge: undefined, expires: new Date(0) })), label);
              assert.equal(await fileAt(O.dir, O.session.id), null, `${label}: ours wrote nothing`);
            } else {
              assert.deepEqual(masked(b.out), masked(a.out), label);
              if ("ok" in a.out && "ok" in b.out) {
                const [idT, idO] = [await idIn(T.header), await idIn(O.header)];
                assert.match(String(idT), /^[0-9a-f]{16}$/);
                assert.match(String(idO), T.session.id === "" ? newId : /^[0-9a-f]{16}$|^[0-9a-f]{32}$/, label);
                if (O.session.id !== "") assert.equal(idO, O.session.id, `${label}: the same id is kept`);
                // The same record ({ data, expires }, byte for byte) under each id.
                assert.equal(await fileAt(O.dir, idO), await fileAt(T.dir, idT), label);
              }
            }
            break;
          }
          case "logoutElsewhere": {
            const elsewhere = async (side: Side) => side.storage.destroySession(await side.storage.getSession(side.header), s.options);
            const a = await outcome(() => elsewhere(T));
            assert.deepEqual(await outcome(() => elsewhere(O)), a, label);
            break; // the held sessions and their cookies stay as they were
          }
          case "destroy": {
            const a = await outcome(() => T.storage.destroySession(T.session, s.options));
            const b = await outcome(() => O.storage.destroySession(O.session, s.options));
            assert.deepEqual(b, a, label);
            if ("ok" in a) T.header = pair(a.ok as string);
            if ("ok" in b) O.header = pair(b.ok as string);
            assert.equal(await fileAt(T.dir, T.session.id), null);
            assert.equal(await fileAt(O.dir, O.session.id), null, `${label}: ours deleted the file`);
            break;
          }
          case "read": {
            if (s.from === "other" && layout === "shared") {
              // One directory: each reads the cookie the other was given, and must find the session as its writer does.
              const [hT, hO] = [T.header, O.header];
              const ownT = await readOn(T, hT);
              const ownO = await readOn(O, hO);
              assert.deepEqual(ownO.out, ownT.out, `${label}: each reads its own cookie`);
              const [heldT, heldO] = [T.session, O.session];
              const xO = await readOn(O, hT);
              assert.deepEqual(xO.out, ownT.out, `${label}: ours reads the session react-router wrote as react-router does`);
              const xT = await readOn(T, hO);
              if (heldO.id !== "" && /^[0-9a-f]{32}$/.test(heldO.id)) {
                // README "file ids": react-router's file storage refuses tessera's 128-bit ids (it keeps the id, with no data).
                assert.equal(ids, "tessera", label);
                assert.equal(xT.adopted, true, label);
                [T.session, O.session] = [heldT, heldO]; // each goes on with its own session
              } else {
                assert.deepEqual(xT.out, ownO.out, `${label}: react-router reads the session ours wrote as ours does`);
                [T.header, O.header] = [hO, hT]; // each goes on with the other's session (two records still, one per side)
              }
              break;
            }
            const headerFor = async (side: Side, other: Side): Promise<string | null | undefined> => {
              const name = reference.name;
              switch (s.from) {
                case "own":
                  return side.header;
                case "other": // separate directories: an id unknown here
                  return other.header;
                case "none":
                  return s.header;
                case "tampered":
                  return side.header === null ? null : mutate(side.header, s.change);
                case "forged":
                  return pair(await forger.serialize(forgedValue(s.id, await idIn(side.header))));
                case "garbage":
                  return s.named ? `${name}=${s.text}` : s.text;
                case "among": {
                  const own = side.header ?? `${name}=`;
                  return s.where === "first" ? `${own}; a=1` : s.where === "last" ? `a=1; b=%22x%22; ${own}` : `${name}=junk; ${own}`;
                }
              }
            };
            let [hT, hO] = [await headerFor(T, O), await headerFor(O, T)];
            if ((s.from === "tampered" || s.from === "forged") && (await kindOf(hT, T.header)) !== (await kindOf(hO, O.header))) {
              // The ids differ, so one change can leave one side's cookie valid (or decoding to another kind of value) and not the
              // other's (an id of decimal digits is its own upper case): not the same input for both. Each reads its own cookie instead.
              [hT, hO] = [T.header, O.header];
            }
            const a = await readOn(T, hT);
            const b = await readOn(O, hO);
            assert.deepEqual(b.out, a.out, `${label}: theirs read ${JSON.stringify(hT)}, ours ${JSON.stringify(hO)}`);
            break;
          }
          default: {
            const a = await outcome(() => applySessionOp(T.session, s));
            assert.deepEqual(await outcome(() => applySessionOp(O.session, s)), a, label);
          }
        }
        assert.deepEqual(view(O.session), view(T.session), `after ${label}`);
        assert.equal(O.header === null, T.header === null, `after ${label}`);
        if (layout === "separate") {
          const [theirFiles, myFiles] = [await tree(T.dir), await tree(O.dir)];
          // The same records on disk (ids, so file names, differ by design).
          assert.deepEqual(myFiles.map((f) => f.content).sort(), theirFiles.map((f) => f.content).sort(), `after ${label}: the same records on disk`);
          for (const f of myFiles) {
            assert.match(f.name, ids === "react-router" ? /^[0-9a-f]{4}\/[0-9a-f]{12}$/ : /^[0-9a-f]{4}\/[0-9a-f]{28}$/, "README \"file ids\"");
            assert.equal(f.mode, 0o600, 'README "file writes": temporary file + rename, mode 0600');
          }
        } else {
          for (const f of await tree(base)) assert.doesNotMatch(f.name, /\.tmp$/, `after ${label}: no temporary file left`); // README "file writes"
        }
      }
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
}

describe("createFileSessionStorage: @react-router/node and tessera give the same answers", () => {
  test("each in its own directory: data, get/has/flash, commit and destroy overrides, expiry, the same records on disk", async () => {
    await fc.assert(fileProperty("separate", "tessera"), runs(100));
  });

  test('each in its own directory, with ids: "react-router"', async () => {
    await fc.assert(fileProperty("separate", "react-router"), runs(40));
  });

  test("one shared directory: each reads the other's sessions (react-router refuses tessera's 128-bit ids, README \"file ids\")", async () => {
    await fc.assert(fileProperty("shared", "tessera"), runs(80));
  });

  test('one shared directory with ids: "react-router": each reads every session the other wrote, both ways', async () => {
    await fc.assert(fileProperty("shared", "react-router"), runs(80));
  });

  // Theirs throws when String(value) is 16 hex digits (a 16-digit number, an array of one such string): its getFile tests
  // the pattern on the coerced value, then calls id.slice / path.join with it. Ours answers a new session (README: "a
  // cookie that holds no id").
  test("a signed cookie holding a value that is not a string id: the same session, or where theirs throws, a new one", async () => {
    const dir = await mkdtemp(join(root, "values-"));
    const cookie = { name: "__session", secrets: ["s3cret"] };
    const [T, O] = await makeSides({ kind: "options", name: cookie.name, options: { secrets: cookie.secrets } }, dir, dir, "tessera");
    const signer = rr.createCookie(cookie.name, { secrets: cookie.secrets });
    const value = fc.oneof(
      fc.integer({ min: 10 ** 15, max: Number.MAX_SAFE_INTEGER }), // 16 decimal digits: hex digits too
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.oneof(hex(16), text), { maxLength: 2 }),
      fc.dictionary(key, text, { maxKeys: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const header = pair(await signer.serialize(v));
        // Theirs keeping a value it could not read as the id is README "an id the store does not know" (readOn goes on from no id).
        const a = await readOn(T, header);
        const b = await readOn(O, header);
        if ("threw" in a.out) {
          // Only where the README row says: a TypeError, for a value whose text is 16 hex digits.
          assert.match((a.out as { threw: string }).threw, /^TypeError: /, header);
          assert.match(String(v), /^[0-9a-f]{16}$/i, header);
          assert.deepEqual(b.out, (await readOn(O, null)).out, `${header}: a new session`);
        }
        else assert.deepEqual(b.out, a.out, header);
      }),
      runs(60),
    );
  });

  // Both serialize before touching the disk: nothing is left behind, not even a directory.
  test("a session JSON.stringify refuses (BigInt, a cycle): the same error, and the same directory afterwards", async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), key, fc.constantFrom<unknown>(10n, { n: [1n] }, circular), async (existing, k, v) => {
        const base = await mkdtemp(join(root, "refused-"));
        try {
          const [T, O] = await makeSides({ kind: "options", name: "__session", options: { secrets: ["s3cret"] } }, join(base, "theirs"), join(base, "mine"), "tessera");
          for (const side of [T, O]) {
            if (existing) {
              side.session.set("a", 1);
              side.header = pair(await side.storage.commitSession(side.session));
              side.session = await side.storage.getSession(side.header);
            }
            side.session.set(k, v);
          }
          const a = await outcome(() => T.storage.commitSession(T.session));
          assert.deepEqual(await outcome(() => O.storage.commitSession(O.session)), a);
          // What is on disk: each subdirectory with the records in it.
          const layout = async (dir: string) => {
            const subdirs = await readdir(dir).catch((e) => (enoent(e) ? [] : Promise.reject(e)));
            return Promise.all(subdirs.map(async (sub) => Promise.all((await readdir(join(dir, sub))).map((f) => readFile(join(dir, sub, f), "utf-8")))));
          };
          assert.deepEqual(await layout(O.dir), await layout(T.dir));
        } finally {
          await rm(base, { recursive: true, force: true });
        }
      }),
      runs(12),
    );
  });
});
