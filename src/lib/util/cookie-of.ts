/**
 * Whether cookie `candidate` is one of session cookie `name`'s: the plain name,
 * or a chunk of it (`name.0`, `name.1`, … a digit each: src/lib/token/chunks.ts
 * makes at most 4), never an app's own `name.prefs`.
 */
export function isCookieOf(candidate: string, name: string): boolean {
  return candidate.startsWith(name) && /^(?:\.\d)?$/.test(candidate.slice(name.length));
}
