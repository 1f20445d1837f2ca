// What the differential tests of the react-router drop-in (src/compat/react-router/*differential.test.ts)
// share: an answer or an error as one comparable value, the generated steps on a session with how
// each is applied, and the changes that tamper with a cookie value, so that both libraries take
// exactly the same ones.
import fc from "fast-check";
import type { Session } from "../src/react-router.js";

export type Outcome = { ok: unknown } | { threw: string };

/** The value, or the error by name and message (a rejection and a synchronous throw alike). */
export async function outcome(fn: () => unknown): Promise<Outcome> {
  try {
    return { ok: await fn() };
  } catch (e) {
    return { threw: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

export type SessionOp = { op: "set" | "flash"; key: string; value: unknown } | { op: "unset" | "get" | "has"; key: string } | { op: "data" };

/** A step on a session: a set or flash of one of `values`, an unset, get or has of one of `keys`, or a look at its data. */
export const sessionOp = (keys: fc.Arbitrary<string>, values: fc.Arbitrary<unknown>): fc.Arbitrary<SessionOp> =>
  fc.oneof(
    fc.record({ op: fc.constant("set" as const), key: keys, value: values }),
    fc.record({ op: fc.constant("flash" as const), key: keys, value: values }),
    fc.record({ op: fc.constant("unset" as const), key: keys }),
    fc.record({ op: fc.constant("get" as const), key: keys }),
    fc.record({ op: fc.constant("has" as const), key: keys }),
    fc.record({ op: fc.constant("data" as const) }),
  );

export function applySessionOp(session: Session, step: SessionOp): unknown {
  switch (step.op) {
    case "set":
      return session.set(step.key, step.value);
    case "flash":
      return session.flash(step.key, step.value);
    case "unset":
      return session.unset(step.key);
    case "get":
      return session.get(step.key);
    case "has":
      return session.has(step.key);
    case "data":
      return session.data;
  }
}

export interface Mutation {
  kind: "flip" | "cut" | "drop" | "insert" | "swap" | "dot";
  at: number;
  char: string;
}

/** One change to a cookie value, with characters from `chars`: a flipped, cut, dropped or inserted one, or the signature moved. */
export const mutation = (chars: fc.Arbitrary<string>): fc.Arbitrary<Mutation> =>
  fc.record({ kind: fc.constantFrom("flip", "cut", "drop", "insert", "swap", "dot"), at: fc.nat(), char: chars });

export function mutate(value: string, { kind, at, char }: Mutation): string {
  const i = value.length === 0 ? 0 : at % value.length;
  switch (kind) {
    case "flip":
      return value.slice(0, i) + char + value.slice(i + 1);
    case "cut":
      return value.slice(0, i);
    case "drop":
      return value.slice(0, i) + value.slice(i + 1);
    case "insert":
      return value.slice(0, i) + char + value.slice(i);
    case "swap": {
      const [head, ...rest] = value.split(".");
      return [...rest, head].join(".");
    }
    case "dot":
      return value + ".";
  }
}

/**
 * JSON-ish values built of these parts, with what JSON does not keep as it is when the parts
 * hold it (undefined, Dates, -0, NaN): both libraries store JSON, so both change them alike.
 */
export function jsonishOf(parts: { text: fc.Arbitrary<string>; number: fc.Arbitrary<number>; date: fc.Arbitrary<Date>; key: fc.Arbitrary<string> }): fc.Arbitrary<unknown> {
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      parts.text,
      parts.number,
      fc.boolean(),
      fc.constant(null),
      parts.date,
      fc.constant(undefined),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(parts.key, tie("value"), { maxKeys: 4 }),
    ),
  })).value;
}
