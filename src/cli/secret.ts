import { randomBytes } from "node:crypto";

export const secretHelp = `tessera secret

Prints a new secret: 32 random bytes as 64 hex digits. Hex spells none of the
placeholder words ("todo", "changeme", ...) that the library refuses, so every
secret it prints is accepted.
To rotate, put the new secret first and keep the old ones after it:
  cookie: { secrets: [NEW, OLD] }
Cookies made with OLD keep working and are re-issued under NEW.`;

/**
 * A new secret. Hex, because every placeholder has a letter outside a-f: a
 * generated secret can never look copied to the placeholder check.
 */
export function generateSecret(): string {
  return randomBytes(32).toString("hex");
}

export function secret(): void {
  process.stdout.write(`${generateSecret()}\n`);
  process.stderr.write("To rotate: prepend it to `secrets` (newest first) and keep the older ones until their sessions expire.\n");
}
