// Differential property tests: react-router 7's session API and tessera/react-router driven side
// by side, through their public APIs only, with the same generated inputs; every observable answer
// (Set-Cookie bytes, parsed values, session data, errors) must be the same. The only cases left out
// are the documented deliberate differences (README, "Where theirs is unsafe, this layer is not"),
// each excluded where it is with a comment naming it, or asserted as the difference it is.
// The seed is fixed so a failure reproduces; FC_SEED=<n> explores another one.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, mock, test } from "node:test";
import { applySessionOp, jsonishOf, mutate, mutation, outcome, sessionOp } from "../../../test/differential.js";
import fc from "fast-check";
import * as rr from "react-router";
import * as ours from "../../react-router.js";
import { runScript } from "../../../test/isolated.js";

type Impl = Pick<typeof ours, "createCookie" | "isCookie" | "createCookieSessionStorage" | "createMemorySessionStorage" | "createSession" | "isSession">;
const theirs = rr as unknown as Impl;
const mine: Impl = ours;

const SEED = Number(process.env.FC_SEED ?? 20260704);
// includeErrorInReport: the failing assertion (both answers) is printed with the counterexample.
const runs = (numRuns: number) => ({ numRuns, seed: SEED, includeErrorInReport: true });
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

const pair = (setCookie: string) => setCookie.split(";")[0]!;

/** A Date compared by its time value, Invalid Dates included (assert.deepEqual calls two Invalid Dates different). */
const time = (d: Date | undefined) => (d === undefined ? "none" : String(d.getTime()));

// ---- generated inputs ----------------------------------------------------------------------

const special = fc.constantFrom('"', "'", ";", ",", "=", "%", "\\", "+", "/", " ", "\t", "\n", "\u0000", "\u007f", "&", "?", "#", "{", "}", ":");
const unicode = fc.constantFrom("é", "ü", "ß", "€", "中", "🌙", "👍🏽", "\uFEFF", "\u2028", "\uFFFD", "\uFFFF");
const percent = fc.constantFrom("%", "%25", "%E9", "%C3%A9", "%u00e9", "%zz", "%%", "%2");
const ascii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)); // lone surrogates too
const astral = fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const unit = fc.oneof(
  { weight: 6, arbitrary: ascii },
  { weight: 3, arbitrary: special },
  { weight: 2, arbitrary: unicode },
  { weight: 1, arbitrary: percent },
  { weight: 1, arbitrary: anyCodeUnit },
  { weight: 1, arbitrary: astral },
);
const text = fc.string({ unit, maxLength: 16 });
const key = fc.oneof(fc.constantFrom("a", "b", "user", "__flash_a__", "__proto__", "toString", "constructor", "", "é"), text);

const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 5e-324, 2 ** 53 + 2));
const date = fc.oneof(fc.date({ min: new Date(-1e14), max: new Date(1e14) }), fc.constant(new Date(NaN)));
/** JSON-ish values with what JSON does not keep as it is: undefined, Dates, -0, NaN, null-prototype objects. */
const jsonish = jsonishOf({ text, number, date, key });
/** Values JSON keeps exactly (no -0, NaN, Infinity, Date, undefined or null prototype). */
const { value: jsonSafe } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4, noNullPrototype: true }),
  ),
}));
const circular: Record<string, unknown> = {};
circular.self = circular;
/** Top-level values JSON.stringify turns into text, or refuses (BigInt, a cycle). */
const serializable = fc.oneof(
  { weight: 20, arbitrary: jsonish.filter((v) => JSON.stringify(v) !== undefined) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(10n, { n: 1n }, circular, "") },
);
/** Top-level values JSON.stringify answers `undefined` for. */
const droppedByJson = fc.constantFrom<unknown>(undefined, () => 1, Symbol("s"), { toJSON: () => undefined });

const valid = <T>(ok: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: ok }, { weight: 1, arbitrary: bad });
const attributes = {
  maxAge: valid(fc.integer({ min: -100, max: 400 * 86400 }), fc.constantFrom(1.5, NaN, Infinity)),
  expires: valid(fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0)), noInvalidDate: true }), fc.constant(new Date(NaN))),
  path: valid(fc.constantFrom("/", "/app", "/a/b", "", "/~user"), fc.constantFrom("/a;b", "/é", "/a\nb")),
  domain: valid(fc.constantFrom("example.com", ".example.com", "localhost", "", "a.b-c.d"), fc.constantFrom("bad domain", "ex;ample.com", "é.com")),
  httpOnly: fc.boolean(),
  secure: fc.boolean(),
  sameSite: valid(fc.constantFrom<boolean | string>(true, false, "lax", "strict", "none", "Lax", "STRICT", "None"), fc.constant("bogus")),
  partitioned: fc.boolean(),
  priority: valid(fc.constantFrom("low", "medium", "high", "High", "LOW"), fc.constant("urgent")),
};
// Wider than the option types (mixed case, invalid values): both libraries hand them to the same `cookie` package.
const overrides = fc.option(fc.record(attributes, { requiredKeys: [] }), { nil: undefined }) as unknown as fc.Arbitrary<ours.CookieSerializeOptions | undefined>;
const secret = fc.string({ unit, minLength: 1, maxLength: 10 });
const secrets = fc.option(fc.array(secret, { maxLength: 3 }), { nil: undefined });
const identity = (s: string) => s;
const cookieOptions = fc.record({ secrets, ...attributes, encode: fc.constantFrom(undefined, identity) }, { requiredKeys: [] }) as unknown as fc.Arbitrary<ours.CookieOptions>;
const cookieName = fc.oneof(
  fc.constantFrom("c", "__session", "__Host-id", "a.b", "x-y_z", "name with space", "é", "", "a=b"),
  fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}$/),
);
const decoders: Array<((s: string) => unknown) | undefined> = [
  undefined,
  identity,
  (s) => s.toUpperCase(),
  () => undefined,
  (s) => s.length,
  decodeURIComponent, // throws on a malformed escape
];
const parseOptions = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.nat(decoders.length - 1).map((i) => ({ decode: decoders[i] as (s: string) => string })) },
);

const tampering = mutation(fc.oneof(ascii, unicode, special));

// ---- setup -----------------------------------------------------------------------------------

before(() => {
  // Both libraries print one-time warnings (unsigned session cookie, fixed expires); not compared here.
  mock.method(console, "warn", () => {});
  // A fixed clock, so `expires`, Max-Age-derived expiry and memory-store expiry compare exactly.
  mock.timers.enable({ apis: ["Date"], now: NOW });
});
after(() => {
  mock.timers.reset();
  mock.restoreAll();
});

// ---- createCookie ----------------------------------------------------------------------------

describe("createCookie: react-router and tessera give the same answers", () => {
  test("name, isSigned, expires, isCookie; serialize(value, overrides) byte for byte; each parses the other's, with rotated secrets", async () => {
    await fc.assert(
      fc.asyncProperty(
        cookieName,
        cookieOptions,
        serializable,
        overrides,
        fc.array(fc.oneof(secret, fc.nat(9)), { maxLength: 3 }),
        async (name, options, value, serializeOptions, readerPicks) => {
          const a = theirs.createCookie(name, options);
          const b = mine.createCookie(name, options);
          assert.equal(b.name, a.name);
          assert.equal(b.isSigned, a.isSigned);
          assert.equal(time(b.expires), time(a.expires));
          assert.equal(mine.isCookie(a), true);
          assert.equal(theirs.isCookie(b), true);
          const theirOut = await outcome(() => a.serialize(value, serializeOptions));
          const myOut = await outcome(() => b.serialize(value, serializeOptions));
          assert.deepEqual(myOut, theirOut);
          if (!("ok" in theirOut)) return;
          const header = pair(theirOut.ok as string);
          // Readers with the writer's secrets, and with a rotated list: new ones first, some of the old kept.
          const writerSecrets = options.secrets ?? [];
          const rotated = readerPicks.map((p) => (typeof p === "number" ? (writerSecrets[p % Math.max(1, writerSecrets.length)] ?? "fresh") : p));
          for (const readerSecrets of [writerSecrets, rotated]) {
            const readerOptions = { ...options, secrets: readerSecrets };
            const theirRead = await outcome(() => theirs.createCookie(name, readerOptions).parse(header));
            const myRead = await outcome(() => mine.createCookie(name, readerOptions).parse(header));
            assert.deepEqual(myRead, theirRead, `reading ${header} with secrets ${JSON.stringify(readerSecrets)}`);
            // Each reads the other's output, whichever wrote it (the bytes are equal: the other direction too).
            assert.deepEqual(await outcome(() => theirs.createCookie(name, readerOptions).parse(pair((myOut as { ok: string }).ok))), theirRead);
          }
        },
      ),
      runs(1000),
    );
  });

  test("serialize of a value JSON.stringify drops (undefined, a function, a symbol, toJSON answering undefined)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("c", "__session"), secrets, droppedByJson, async (name, secretList, value) => {
        const a = theirs.createCookie(name, { secrets: secretList });
        const b = mine.createCookie(name, { secrets: secretList });
        const theirOut = await outcome(() => a.serialize(value));
        assert.deepEqual(await outcome(() => b.serialize(value)), theirOut);
        if ("ok" in theirOut) {
          const header = pair(theirOut.ok as string);
          assert.deepEqual(await outcome(() => b.parse(header)), await outcome(() => a.parse(header)));
        }
      }),
      runs(20),
    );
  });

  test("secret lists holding an empty secret: ours refuses the cookie at creation; theirs fails each serialize or parse that reaches the empty key (README: an empty secret)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(secret, fc.constant("")), { minLength: 1, maxLength: 3 }).filter((list) => list.includes("")),
        jsonSafe,
        async (secretList, value) => {
          const a = theirs.createCookie("c", { secrets: secretList });
          const b = await outcome(() => mine.createCookie("c", { secrets: secretList }));
          const empty = secretList.indexOf("");
          assert.deepEqual(b, { threw: `SessionConfigError: cookie "c": secrets[${empty}] is empty; every secret must be a real key` });
          // Theirs signs with the first secret (an empty value is not signed) and verifies with each in turn
          // until one matches: an empty one breaks each use that reaches it (a parse of a cookie no earlier secret signed).
          if (empty === 0 && value !== "") assert.match((await outcome(() => a.serialize(value)) as { threw: string }).threw, /Zero-length key/);
          assert.match((await outcome(() => a.parse("c=e30.AAAA")) as { threw: string }).threw, /Zero-length key/);
        },
      ),
      runs(20),
    );
  });

  test("a null secret is refused too; an undefined one (an unset variable) is left out, and only undefined ones sign with the development secret", async () => {
    assert.throws(() => mine.createCookie("c", { secrets: ["s1", null as unknown as string] }), { name: "SessionConfigError", message: 'cookie "c": secrets[1] is null; every secret must be a real key' });
    // Theirs signs with String(null), "null": a key anyone can guess.
    assert.match(await theirs.createCookie("c", { secrets: [null as unknown as string] }).serialize("v"), /^c=InYi\.[^;]+; Path=\/; SameSite=Lax$/);
    await fc.assert(
      fc.asyncProperty(fc.array(secret, { minLength: 1, maxLength: 2 }), fc.nat({ max: 3 }), jsonSafe, async (real, at, value) => {
        const list = [...real];
        list.splice(Math.min(at, list.length - 1) + 1, 0, undefined as unknown as string); // after the first: theirs signs with it still
        const a = theirs.createCookie("c", { secrets: list });
        const b = mine.createCookie("c", { secrets: list });
        const out = await a.serialize(value);
        assert.equal(await b.serialize(value), out);
        assert.deepEqual(await b.parse(pair(out)), await a.parse(pair(out)));
      }),
      runs(40),
    );
    const run = await runScript(
      import.meta.url,
      `
      import { createCookie } from "../../react-router.js";
      const c = createCookie("c", { secrets: [process.env.TESSERA_TEST_UNSET_SECRET] });
      const header = (await c.serialize({ a: 1 })).split(";")[0];
      console.log(JSON.stringify({ signed: c.isSigned, back: await c.parse(header), forged: await c.parse("c=eyJhIjoxfQ%3D%3D") }));
      `,
    );
    assert.deepEqual({ code: run.code, stdout: run.stdout }, { code: 0, stdout: '{"signed":true,"back":{"a":1},"forged":null}\n' });
    assert.match(run.stderr, /cookie "c": secrets has only undefined entries \(its variable unset\?\), using a random secret for this process only/);
    const production = await runScript(
      import.meta.url,
      `
      import { createCookie } from "../../react-router.js";
      try { createCookie("c", { secrets: [process.env.TESSERA_TEST_UNSET_SECRET] }); console.log("created"); } catch (e) { console.log(e.name + ": " + e.message); }
      `,
      { NODE_ENV: "production" },
    );
    assert.match(production.stdout, /^SessionConfigError: cookie "c": secrets has no secret: every entry is undefined/);
  });

  // A fragment of a generated Cookie header: materialized once the writer's real cookie values are known.
  const fragment = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("valid" as const), value: jsonSafe }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("tampered" as const), value: jsonSafe, change: tampering }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("raw" as const), text }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("base64" as const), bytes: fc.uint8Array({ maxLength: 24 }), signWith: fc.option(fc.nat(3), { nil: undefined }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("percent" as const), text, cut: fc.nat() }) },
  );
  const wrap = fc.constantFrom("", "", "", "", "quote", "spaces", "tab");
  const headerPart = fc.record({ name: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat(6) }), fragment, wrap, noEquals: fc.nat(7).map((n) => n === 0) });
  const separator = fc.constantFrom(";", "; ", " ; ", ";;", ";\t", ", ");

  test("parse of generated Cookie headers: several cookies, duplicates, whitespace, quotes, percent-encoding, tampered and garbage values", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("c", "__session", "a.b"),
        fc.constantFrom("theirs", "mine"),
        fc.array(secret, { maxLength: 3 }),
        fc.option(fc.array(fc.oneof(secret, fc.nat(9)), { maxLength: 3 }), { nil: undefined, freq: 2 }),
        fc.array(headerPart, { maxLength: 5 }),
        fc.array(separator, { minLength: 5, maxLength: 5 }),
        parseOptions,
        async (name, writer, writerSecrets, readerPicks, parts, separators, options) => {
          const writeWith = (writer === "theirs" ? theirs : mine).createCookie("w", { secrets: writerSecrets });
          const signingSecrets = writerSecrets.length ? writerSecrets : ["fallback"];
          const names = [name, ` ${name}`, `${name} `, name.toUpperCase(), "other", "", `${name}x`];
          const pieces: string[] = [];
          for (const part of parts) {
            const f = part.fragment;
            let v: string;
            if (f.kind === "valid" || f.kind === "tampered") {
              v = pair(await writeWith.serialize(f.value)).slice(2);
              if (f.kind === "tampered") v = mutate(v, f.change);
            } else if (f.kind === "raw") {
              v = f.text;
            } else if (f.kind === "base64") {
              v = btoa(String.fromCharCode(...f.bytes));
              if (f.signWith !== undefined) {
                const mac = createHmac("sha256", signingSecrets[f.signWith % signingSecrets.length]!).update(v).digest("base64").replace(/=+$/, "");
                v = encodeURIComponent(`${v}.${mac}`);
              }
            } else {
              const enc = encodeURIComponent(f.text.replace(/[\uD800-\uDFFF]/g, "?"));
              v = enc.slice(0, f.cut % (enc.length + 1));
            }
            if (part.wrap === "quote") v = `"${v}"`;
            if (part.wrap === "spaces") v = `  ${v} `;
            if (part.wrap === "tab") v = `\t${v}`;
            pieces.push(part.noEquals ? v : `${names[part.name]}=${v}`);
          }
          const header = pieces.map((p, i) => (i === 0 ? p : separators[i % separators.length] + p)).join("");
          // Without picks the reader has the writer's secrets; with them, a rotated list.
          const readerSecrets = (readerPicks ?? writerSecrets).map((p) => (typeof p === "number" ? (writerSecrets[p % Math.max(1, writerSecrets.length)] ?? "fresh") : p));
          for (const headerVariant of [header, null, ""]) {
            const a = theirs.createCookie(name, { secrets: readerSecrets });
            const b = mine.createCookie(name, { secrets: readerSecrets });
            const theirRead = await outcome(() => a.parse(headerVariant, options));
            assert.deepEqual(await outcome(() => b.parse(headerVariant, options)), theirRead, JSON.stringify(headerVariant));
          }
        },
      ),
      runs(1200),
    );
  });
});

// ---- sessions and storages -------------------------------------------------------------------

/** What a session shows without consuming anything: its id and its data (flash values under their `__flash_<key>__` names). */
const observe = (session: ours.Session) => ({ id: session.id, data: session.data });

describe("createSession and isSession", () => {
  test("same id, data, and get/has/set/flash/unset answers (get consumes a flash value)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, jsonish, { maxKeys: 4 }), text, fc.array(sessionOp(key, jsonish), { maxLength: 12 }), async (initial, id, steps) => {
        const a = theirs.createSession(initial, id);
        const b = mine.createSession(initial, id);
        assert.equal(mine.isSession(a), true);
        assert.equal(theirs.isSession(b), true);
        assert.deepEqual(observe(b), observe(a));
        for (const [i, step] of steps.entries()) {
          const theirAnswer = await outcome(() => applySessionOp(a, step));
          assert.deepEqual(await outcome(() => applySessionOp(b, step)), theirAnswer, `step ${i}: ${step.op}`);
          assert.deepEqual(observe(b), observe(a), `after step ${i}: ${step.op}`);
        }
      }),
      runs(400),
    );
  });
});

const storageStep = (values: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: sessionOp(key, values) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("commit" as const), options: overrides }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("destroy" as const), options: overrides }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("reload" as const), cross: fc.boolean(), tamper: fc.option(tampering, { nil: undefined }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("big" as const), key, size: fc.integer({ min: 2500, max: 4200 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 120_000 }) }) },
  );
type Side = { storage: ours.SessionStorage; session: ours.Session; header: string | null };

/** The cookie argument of a storage: none, options with a name, a cookie of its own library, or one made by the other library. */
const storageCookie = fc.record({ kind: fc.constantFrom("none", "options", "own", "other"), name: fc.constantFrom("__session", "sid"), options: cookieOptions });
function storageCookieArg(spec: { kind: string; name: string; options: ours.CookieOptions }, own: Impl, other: Impl) {
  if (spec.kind === "none") return undefined;
  if (spec.kind === "options") return { ...spec.options, name: spec.name };
  return (spec.kind === "own" ? own : other).createCookie(spec.name, spec.options);
}
const cookieArgOf = (spec: { kind: string; name: string; options: ours.CookieOptions }, impl: Impl) => storageCookieArg(spec, impl, impl === theirs ? mine : theirs);
/** Theirs and ours, each a storage `create` makes and a fresh session of it, no cookie yet. */
async function sidesOf(create: (impl: Impl) => unknown): Promise<[Side, Side]> {
  const side = async (impl: Impl): Promise<Side> => {
    const storage = create(impl) as ours.SessionStorage;
    return { storage, session: await storage.getSession(null), header: null };
  };
  return [await side(theirs), await side(mine)];
}

describe("createCookieSessionStorage: same Set-Cookie bytes and same sessions", () => {
  test("round trips of generated data and flash values, unset/has, commit and destroy overrides, reading the other's cookies, tampered cookies, the 4096 limit", async () => {
    await fc.assert(
      fc.asyncProperty(storageCookie, fc.array(storageStep(jsonish), { maxLength: 14 }), async (spec, steps) => {
        mock.timers.setTime(NOW);
        const [a, b] = await sidesOf((impl) => impl.createCookieSessionStorage({ cookie: cookieArgOf(spec, impl) as never }));
        assert.deepEqual(observe(b.session), observe(a.session));
        for (const [i, step] of steps.entries()) {
          const label = `step ${i}: ${step.op}`;
          const run = async (side: Side, other: Side): Promise<unknown> => {
            switch (step.op) {
              case "commit":
              case "destroy": {
                const out = await (step.op === "commit" ? side.storage.commitSession(side.session, step.options) : side.storage.destroySession(side.session, step.options));
                side.header = pair(out);
                return out;
              }
              case "reload": {
                // `cross`: read the cookie the other library wrote.
                const source = step.cross ? other.header : side.header;
                const header = source !== null && step.tamper ? mutate(source, step.tamper) : source;
                side.session = await side.storage.getSession(header);
                return observe(side.session);
              }
              case "big":
                return side.session.set(step.key, "x".repeat(step.size));
              case "tick":
                return mock.timers.tick(step.ms);
              default:
                return applySessionOp(side.session, step);
            }
          };
          const theirAnswer = await outcome(() => run(a, b));
          if (step.op === "tick") {
            assert.deepEqual(theirAnswer, { ok: undefined });
            continue; // one clock for both
          }
          assert.deepEqual(await outcome(() => run(b, a)), theirAnswer, label);
          assert.deepEqual(observe(b.session), observe(a.session), `after ${label}`);
        }
      }),
      runs(500),
    );
  });
});

/** A Set-Cookie with the value (the session id) masked: ids differ by design (README: memory ids). */
const maskId = (setCookie: string) => setCookie.replace(/^([^=]*)=([^;]+)/, "$1=<id>");

function memoryProperty(values: fc.Arbitrary<unknown>) {
  return fc.asyncProperty(storageCookie, fc.array(storageStep(values), { maxLength: 14 }), async (spec, steps) => {
    mock.timers.setTime(NOW);
    const [a, b] = await sidesOf((impl) => impl.createMemorySessionStorage({ cookie: cookieArgOf(spec, impl) as never }));
    const view = (s: ours.Session) => ({ data: s.data }); // ids differ by design (README: memory ids)
    const signed = spec.kind !== "none" && (spec.options.secrets?.length ?? 0) > 0;
    for (const [i, step] of steps.entries()) {
      const label = `step ${i}: ${step.op}`;
      // Theirs kept the id of a record that is gone, which ours refuses (README: "an id the store does not know").
      const adopted = a.session.id !== "" && b.session.id === "";
      const run = async (side: Side, other: Side): Promise<unknown> => {
        switch (step.op) {
          case "commit":
          case "destroy": {
            let threw = true;
            try {
              const out = await (step.op === "commit" ? side.storage.commitSession(side.session, step.options) : side.storage.destroySession(side.session, step.options));
              side.header = pair(out);
              threw = false;
              return step.op === "commit" ? maskId(out) : out;
            } finally {
              // Documented: no session is held across its record's destroy/expiry ("a commit after another request destroyed the session").
              if (threw && adopted && step.op === "commit") side.header = null; // Documented: theirs wrote under the adopted id ("an id the store does not know").
              side.session = await side.storage.getSession(side.header);
            }
          }
          case "reload": {
            // The other library's cookie, or a tampered one: an id neither store knows, so the same empty data on both sides,
            // though theirs keeps the id (README: "an id the store does not know"; `adopted` above follows that through).
            // Tampered only when signed: an unsigned id decodes to anything, a non-string too, which theirs keeps as the id
            // and then cannot find again (README: "a cookie that holds no id").
            const source = step.cross ? other.header : side.header;
            const header = source !== null && step.tamper && signed ? mutate(source, step.tamper) : source;
            side.session = await side.storage.getSession(header);
            if (header !== side.header) side.header = null; // the cookie it came with is not this side's own
            return view(side.session);
          }
          case "big":
            return side.session.set(step.key, "x".repeat(step.size));
          case "tick":
            // Documented: no session is held across its record's expiry ("a commit after another request destroyed the session").
            side.session = await side.storage.getSession(side.header);
            return view(side.session);
          default:
            return applySessionOp(side.session, step);
        }
      };
      if (step.op === "tick") mock.timers.tick(step.ms);
      // Both sides read the other's header as it was before the step.
      const [headerA, headerB] = [a.header, b.header];
      const theirAnswer = await outcome(() => run(a, { ...b, header: headerB }));
      assert.deepEqual(await outcome(() => run(b, { ...a, header: headerA })), theirAnswer, label);
      assert.deepEqual(view(b.session), view(a.session), `after ${label}`);
    }
  });
}

describe("createMemorySessionStorage: the same data and flash semantics (ids differ by design)", () => {
  test("JSON-safe data: round trips, flash consumed by get, unset/has, commit and destroy overrides, expiry", async () => {
    await fc.assert(memoryProperty(jsonSafe), runs(500));
  });

  test("data JSON does not keep as it is: ours stores a JSON copy, theirs the objects themselves (README: the memory store keeps a copy)", async () => {
    const at = new Date(NOW);
    for (const impl of [theirs, mine]) {
      const storage = impl.createMemorySessionStorage() as ours.SessionStorage;
      const session = await storage.getSession(null);
      const cart = { items: ["a"] };
      session.set("at", at);
      session.set("cart", cart);
      session.set("gone", undefined);
      const cookie = pair(await storage.commitSession(session));
      cart.items.push("changed after the commit");
      const back = await storage.getSession(cookie);
      const copy = impl === mine;
      assert.deepEqual(back.get("at"), copy ? at.toISOString() : at);
      assert.deepEqual(back.get("cart"), copy ? { items: ["a"] } : { items: ["a", "changed after the commit"] });
      assert.equal(back.has("gone"), !copy);
    }
  });
});
