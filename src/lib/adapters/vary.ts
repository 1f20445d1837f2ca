/** True when a `Vary` header value already covers `name` (or is `*`). */
export function varies(vary: string | null | undefined, name: string): boolean {
  return (
    !!vary &&
    vary.split(",").some((v) => {
      const t = v.trim().toLowerCase();
      return t === "*" || t === name.toLowerCase();
    })
  );
}
