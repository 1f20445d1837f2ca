/**
 * `o[key] = value`, where "__proto__" is an ordinary own key, never the
 * prototype setter (docs/security.md, H1): every place that copies untrusted keys uses it.
 */
export function putOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}
