// What the differential tests of the react-router drop-in (src/compat/react-router/*differential.test.ts)
// share: an answer or an error as one comparable value, and the generated steps on a session with
// how each is applied, so that both libraries take exactly the same ones.
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
