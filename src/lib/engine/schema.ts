// The `schema` option: the session's values checked on every read by any
// validator that follows the Standard Schema interface (zod 4, valibot 1,
// arktype 2 all do), with the app's `migrate` for values an older version wrote.
import { keepReserved, ownValues } from "../session/reserved-keys.js";
import type { RefusalReason, SessionCheck } from "./backend.js";
import type { Session } from "../session/session.js";
import { emptyRecord } from "../session/state.js";
import { stateOf } from "../session/session.js";
import { chain, type MaybePromise } from "../util/maybe-promise.js";

/** One problem a validator found. */
export interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** What a Standard Schema validator answers: the (possibly transformed) value, or its issues. */
export type SchemaResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<SchemaIssue> };

/**
 * A validator of the session's values, as the Standard Schema interface
 * (standardschema.dev, version 1) describes one: what tessera calls of it.
 */
export interface SessionSchema<Data> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => SchemaResult<Data> | Promise<SchemaResult<Data>>;
    readonly types?: { readonly input: unknown; readonly output: Data } | undefined;
  };
}

/** The app's way to upgrade values written by an older version: the new values, or undefined to start a fresh session. */
export type Migrate = (values: Record<string, unknown>, issues: ReadonlyArray<SchemaIssue>) => MaybePromise<Record<string, unknown> | undefined>;

/** Options every storage takes for it. */
export interface SchemaOptions<Data> {
  /**
   * Checks the session's values on every read (its flash values are not
   * checked). The data type is the schema's output. Values that fail go
   * through `migrate`, when given; what still fails is a fresh session and a
   * "rejected" event with reason "invalid".
   */
  schema?: SessionSchema<Data> | undefined;
  /** Upgrades values that fail `schema`; what it returns is checked again and, when valid, saved with the session. */
  migrate?: Migrate | undefined;
}


function validate<Data>(schema: SessionSchema<Data>, values: Record<string, unknown>): MaybePromise<SchemaResult<Data>> {
  return schema["~standard"].validate(values);
}

/** The check `options` ask for, or undefined (no cost at all) when they ask for none. */
export function sessionCheck<Data>(options: SchemaOptions<Data>): SessionCheck | undefined {
  const { schema, migrate } = options;
  if (!schema) return undefined;
  if (typeof schema["~standard"]?.validate !== "function") throw new TypeError("option schema must be a Standard Schema validator (zod 4, valibot 1, arktype 2, …)");
  return (session) => {
    const state = stateOf(session);
    const values = ownValues(Object.assign(emptyRecord(), state.data));
    return chain(validate(schema, values), (result) => {
      if (!result.issues) return adopt(session, result.value, false);
      if (!migrate) return INVALID;
      return chain(migrate({ ...values }, result.issues), (upgraded) =>
        upgraded === undefined ? INVALID : chain(validate(schema, upgraded), (again) => (again.issues ? INVALID : adopt(session, again.value, true))),
      );
    });
  };
}

const INVALID: RefusalReason = "invalid";

/** Gives `session` the validated `values` (a schema may transform them); `save`: they are new, and saving writes them. */
function adopt(session: Session<any, any>, values: unknown, save: boolean): RefusalReason | undefined {
  if (typeof values !== "object" || values === null || Array.isArray(values)) return INVALID;
  const state = stateOf(session);
  const data = Object.assign(emptyRecord(), values);
  // The step-up record and the CSRF secret are tessera's, not the app's values: never the schema's to drop.
  keepReserved(state.data, data);
  state.data = data;
  if (save) state.cleared = true;
  return undefined;
}
