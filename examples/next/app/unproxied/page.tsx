import { session } from "../../lib/session";

// Left out of the proxy's matcher: a Server Component alone cannot set a cookie, so the flash it
// reads here stays, shown again, until something that can write consumes it (the proxy for the
// next page, a Route Handler or a Server Action reading it).
export default async function Unproxied() {
  const s = await session.getSession();
  return (
    <main>
      <p id="user">{s.get("userId") ?? "nobody"}</p>
      <p id="notice">{s.get("notice") ?? "none"}</p>
      <p id="count">{s.get("count") ?? 0}</p>
    </main>
  );
}
