import { isProduction } from "../util/environment.js";
import { SessionConfigError } from "../errors.js";
import type { CryptoBackend } from "../crypto/types.js";

/**
 * Secrets that appear in tutorials, READMEs and `.env.example` files. A secret
 * that is one of them, or has one as whole words ("my-session-secret-change-me"),
 * was copied, not generated (Superset CVE-2023-27524; Rails refuses "secret"
 * and "password").
 */
export const PLACEHOLDERS: readonly string[] = Object.freeze([
  "keyboardcat",
  "changeme",
  "changethis",
  "replaceme",
  "yoursecret",
  "mysecret",
  "secretkey",
  "supersecret",
  "placeholder",
  "example",
  "sessionsecret",
  "s3cr3t",
  "password",
  "notasecret",
  "todo",
]);

const PLACEHOLDER_SET: ReadonlySet<string> = new Set(PLACEHOLDERS);
const LONGEST_PLACEHOLDER = Math.max(...PLACEHOLDERS.map((p) => p.length));

/**
 * The placeholder that a contiguous run of whole words of `secret` spells,
 * ignoring case. Matching whole words only keeps random text that happens to
 * hold "todo" inside a longer run from being refused.
 */
function placeholderIn(secret: string): string | undefined {
  const words = secret.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (let first = 0; first < words.length; first++) {
    let joined = "";
    for (let next = first; next < words.length && joined.length < LONGEST_PLACEHOLDER; next++) {
      joined += words[next];
      if (PLACEHOLDER_SET.has(joined)) return joined;
    }
  }
  return undefined;
}

/** How to make a secret, quoted in error messages. */
const GENERATE = "`npx tessera secret`";

/** The minimum length in bytes (express-session, @fastify/secure-session, iron-session). */
const MIN_SECRET_BYTES = 32;

/**
 * Checks `secrets` as given by the user and returns them. Every failure is a
 * `SessionConfigError` that says which entry is wrong and what to do instead.
 */
export function validateSecrets(secrets: unknown, option = "secrets"): string[] {
  if (!Array.isArray(secrets)) {
    throw new SessionConfigError(`option ${option} must be an array of strings, newest first; got ${typeof secrets}`);
  }
  // An undefined entry (an unset variable) is left out; each other one is named by its place in the list as given.
  secrets.forEach((secret, i) => secret === undefined || validateSecret(secret, `${option}[${i}]`));
  return secrets.filter((secret) => secret !== undefined);
}

function validateSecret(secret: unknown, where: string): void {
  if (secret === null || secret === undefined || secret === "") {
    // An empty entry used to mean "also accept unsigned cookies" in some libraries
    // (Elysia #1861): anyone could then forge a session.
    throw new SessionConfigError(`${where} is ${secret === "" ? "empty" : String(secret)}: remove it; every secret must be a real key`);
  }
  if (typeof secret !== "string") {
    throw new SessionConfigError(`${where} must be a string, got ${typeof secret}`);
  }
  // Before the length check: "keyboard cat" is better answered as a copied example than as too short.
  const placeholder = placeholderIn(secret);
  if (placeholder) {
    throw new SessionConfigError(
      `${where} looks like a placeholder ("${placeholder}" as whole words): generate a real one with ${GENERATE}`,
    );
  }
  const bytes = new TextEncoder().encode(secret).length;
  if (bytes < MIN_SECRET_BYTES) {
    throw new SessionConfigError(
      `${where} is ${bytes} bytes; secrets need at least ${MIN_SECRET_BYTES}: generate one with ${GENERATE}`,
    );
  }
  if (new Set(secret).size < 8) {
    throw new SessionConfigError(
      `${where} uses fewer than 8 distinct characters, too little entropy: generate one with ${GENERATE}`,
    );
  }
}

let ephemeral: string | undefined;
/** Who was told of the development secret: each storage kind or cookie once, not only the first. */
const warned = new Set<string>();

/** Whose secrets these are, as the messages name them: a storage's `cookie.secrets`, or one cookie's `secrets`. */
export interface SecretsOwner {
  /** The option, as validation errors name it: `cookie.secrets[1] is …`. */
  option: string;
  /** Before the option in the other messages: `cookie "theme": `, or nothing. */
  prefix: string;
  /** Where the examples read the secret from. */
  variable: string;
  /** What a restart loses. */
  values: string;
}

const STORAGE: SecretsOwner = { option: "cookie.secrets", prefix: "", variable: "SESSION_SECRET", values: "sessions" };

/**
 * The secrets a storage (or a cookie given `secrets`) runs with. `undefined`
 * entries are left out, so that `secrets: [process.env.SESSION_SECRET]` works
 * with the variable unset: a development process then gets one random secret
 * (shared by every storage and cookie in it) and a single warning. In
 * production no secret is a configuration error, because every restart would
 * log everyone out and every server of a fleet would reject the others'
 * cookies. `null` and empty strings are still refused by `validateSecrets`:
 * they are set, and wrong. `crypto` draws the development secret.
 */
export function secretsOrEphemeral(
  secrets: unknown,
  crypto: CryptoBackend,
  warn: (message: string) => void = console.warn,
  owner: SecretsOwner = STORAGE,
): string[] {
  if (secrets !== undefined && !(Array.isArray(secrets) && secrets.every((s) => s === undefined))) {
    return validateSecrets(secrets, owner.option);
  }
  const unset = Array.isArray(secrets) && secrets.length > 0;
  const named = `${owner.prefix}${owner.option}`;
  if (isProduction()) {
    throw new SessionConfigError(
      unset
        ? `${named} has no secret: every entry is undefined (is ${owner.variable} set in this environment?); generate one with ${GENERATE}`
        : `${named} is required in production: pass secrets: [process.env.SESSION_SECRET] (generate one with ${GENERATE})`,
    );
  }
  ephemeral ??= crypto.toBase64Url(crypto.random(32));
  if (!warned.has(named)) {
    warned.add(named);
    warn(
      `tessera: ${unset ? `${named} has only undefined entries (${owner.variable} unset?)` : `no ${named} given`}, ` +
        `using a random secret for this process only; ${owner.values} will not survive a restart. ` +
        `Set secrets before production (generate one with ${GENERATE}).`,
    );
  }
  return [ephemeral];
}
