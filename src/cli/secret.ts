import { randomBytes } from "node:crypto";

export const secretHelp = `tessera secret

Prints a new secret: 32 random bytes, base64url (43 characters).
To rotate, put the new secret first and keep the old ones after it:
  cookie: { secrets: [NEW, OLD] }
Cookies made with OLD keep working and are re-issued under NEW.`;

export function secret(): void {
  process.stdout.write(`${randomBytes(32).toString("base64url")}\n`);
  process.stderr.write("To rotate: prepend it to `secrets` (newest first) and keep the older ones until their sessions expire.\n");
}
