/**
 * Why `value` cannot be stored as JSON and read back equal, or undefined when
 * it can. A `Date`, `Map`, class instance or `BigInt` would come back as a
 * string, `{}` or an exception at save time, far from the line that set it.
 */
function notJson(value: unknown, path: object[]): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${value} is not a finite number`;
    case "object": {
      if (value === null) return undefined;
      if (path.includes(value)) return "it refers to itself (a cycle)";
      const proto = Object.getPrototypeOf(value) as object | null;
      const isArray = Array.isArray(value);
      if (!isArray && proto !== Object.prototype && proto !== null) {
        return `a ${(value as { constructor?: { name?: string } }).constructor?.name || "class"} instance does not survive JSON; store plain data`;
      }
      path.push(value);
      for (const item of isArray ? (value as unknown[]) : Object.values(value)) {
        if (item === undefined) {
          if (isArray) return "an array holds undefined (JSON turns it into null)";
          continue;
        }
        const problem = notJson(item, path);
        if (problem) return problem;
      }
      path.pop();
      return undefined;
    }
    default:
      return `a ${typeof value} is not JSON data`;
  }
}

/** Refuses a value JSON cannot carry, naming the key: a programmer error, never a store outage. */
export function checkJsonValue(key: string, value: unknown): void {
  const problem = notJson(value, []);
  if (problem) throw new TypeError(`session value "${key}" cannot be stored: ${problem}`);
}

/** Seconds a cookie may live: a whole number, at most the 400 days browsers keep (RFC 6265bis). */
export function checkLifetime(seconds: unknown): number {
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0 || seconds > 400 * 24 * 3600) {
    throw new TypeError(`setMaxAge(${String(seconds)}): use a whole number of seconds from 0 to 34560000 (400 days), or null`);
  }
  return seconds;
}
