import { parseSetCookie } from "cookie";
import { deriveKeyring, scopeOf } from "../lib/cookie/keyring.js";
import { cryptoFor } from "../lib/crypto/backend.js";
import { open } from "../lib/cookie/seal.js";
import { CliError } from "./fail.js";

export const inspectHelp = `tessera inspect <cookie-or-set-cookie> --secret S [--secret OLDER ...]

Says whether a session cookie verifies, under which secret (current or older),
when it expires, and, for cookie sessions, the decoded data. Accepts a Cookie
pair ("name=value") or a whole Set-Cookie header: pass that for a cookie with a
path or domain of its own, since its keys bind them. Secrets are never printed.
Exit code 0 when it verifies, 1 when it does not, 2 on bad arguments.`;

export async function inspect(input: string | undefined, secrets: string[]): Promise<number> {
  if (!input) throw new CliError("inspect needs a cookie: tessera inspect 'name=value' --secret S");
  if (secrets.length === 0) throw new CliError("inspect needs at least one --secret (the first is the current one)");
  const parsed = parseSetCookie(input.trim().replace(/^set-cookie:\s*/i, ""));
  const { name, value } = parsed;
  if (!name || !value) throw new CliError("inspect: expected name=value or a Set-Cookie header");
  const out: string[] = [`cookie: ${name}`];
  if (parsed.maxAge !== undefined) out.push(`browser expiry: Max-Age=${parsed.maxAge} s${parsed.expires ? ` (${parsed.expires.toISOString()})` : ""}`);
  else if (parsed.expires) out.push(`browser expiry: ${parsed.expires.toISOString()}`);
  else if (/;/.test(input)) out.push("browser expiry: when the browser closes");
  const format = value.slice(0, 2);
  if (format !== "S1" && format !== "E1") {
    out.push("verifies: no (not a tessera value: it starts with neither S1. nor E1.)");
    console.log(out.join("\n"));
    return 1;
  }
  out.push(`format: ${format === "E1" ? "encrypted (AES-256-GCM)" : "signed (HMAC-SHA-256)"}`);
  for (const [index, secret] of secrets.entries()) {
    let opened;
    try {
      const scope = scopeOf(parsed.path ?? "/", parsed.domain);
      opened = await open(value, name, await deriveKeyring([secret], name, cryptoFor(), scope), format === "E1");
    } catch {
      opened = null;
    }
    if (!opened) continue;
    out.push(`verifies: yes, with secret #${index + 1} (${index === 0 ? "current" : "older: the next save re-issues it under the current one"})`);
    out.push(...describe(opened.json));
    console.log(out.join("\n"));
    return 0;
  }
  out.push(`verifies: no, under none of the ${secrets.length} secret(s) given`);
  console.log(out.join("\n"));
  return 1;
}

function describe(json: string): string[] {
  const value = JSON.parse(json) as unknown;
  if (typeof value === "string") return [`kind: session id (the data lives in the store)`, `id: ${value.slice(0, 6)}… (${value.length} characters)`];
  // A cookie session's payload: [data, createdAt, lastSeenAt - createdAt, flash?], times in seconds.
  if (!Array.isArray(value) || typeof value[0] !== "object" || typeof value[1] !== "number" || typeof value[2] !== "number") {
    return [`value: ${json}`];
  }
  const [data, created, seenAfter, flash] = value as [unknown, number, number, Record<string, unknown> | undefined];
  return [
    "kind: cookie session (the data is in the cookie)",
    `created: ${new Date(created * 1000).toISOString()}`,
    `last seen: ${new Date((created + seenAfter) * 1000).toISOString()} (idle and absolute timeouts count from these)`,
    `data: ${JSON.stringify(data)}`,
    ...(flash && Object.keys(flash).length ? [`flash (for the next request): ${JSON.stringify(flash)}`] : []),
  ];
}
