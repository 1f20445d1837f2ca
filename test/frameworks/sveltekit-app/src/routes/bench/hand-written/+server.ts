// The framework benchmark's hand-written counter (bench/frameworks/sveltekit.ts): what an app
// without a session package writes, an AES-256-GCM cookie through event.cookies, as
// bench/http-server.ts's "hand-written cookie" does on node:http. No validation, no timeouts.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { text } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

const key = randomBytes(32);

function open(raw: string | undefined): { count?: number } {
  if (!raw) return {};
  const sealed = Buffer.from(raw, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString());
  } catch {
    return {};
  }
}

export const GET: RequestHandler = ({ cookies }) => {
  const data = open(cookies.get("s"));
  data.count = (data.count ?? 0) + 1;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const sealed = Buffer.concat([iv, cipher.update(JSON.stringify(data)), cipher.final(), cipher.getAuthTag()]).toString("base64url");
  cookies.set("s", sealed, { path: "/", httpOnly: true, sameSite: "lax", secure: false });
  return text(String(data.count));
};
