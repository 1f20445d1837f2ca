// The names the README's examples use without defining them: what an app around them would have.
import type { IdSessionStorage, Session } from "tessera-session";

declare global {
  const storage: IdSessionStorage;
  const session: Session;
  const request: Request;
  const headers: Headers;
  const secrets: string[];
  const user: { id: string };
  const userId: string;
  const handle: string;
  const logger: { warn(fields: object, message: string): void };
}
