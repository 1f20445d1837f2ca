import { session } from "../lib/session";
import { appStorage } from "../lib/storage";
import { count, logOutEverywhereElse, signOut } from "./actions";

// A Server Component: it reads the session (read-only). The flash it shows was consumed by the
// proxy for this very navigation, so a reload shows it no more.
export default async function Home() {
  const s = await session.getSession();
  const user = s.get("userId");
  const notice = s.get("notice");
  return (
    <main>
      <h1>tessera-session on Next.js</h1>
      {notice ? <p id="notice" style={{ background: "#e6f4ea", padding: "0.5rem 1rem" }}>{notice}</p> : null}
      {user ? (
        <>
          <p>
            Signed in as <b id="user">{user}</b>. Count: <b id="count">{s.get("count") ?? 0}</b>. Notes:{" "}
            <b id="notes-length">{(s.get("notes") ?? "").length}</b> characters
          </p>
          <form action={count}>
            <button id="count-button">Count</button>
          </form>
          <form action={signOut}>
            <button id="sign-out">Sign out</button>
          </form>
          {appStorage().users ? (
            <form action={logOutEverywhereElse}>
              <button id="log-out-elsewhere">Log out everywhere else</button>
            </form>
          ) : null}
        </>
      ) : (
        // A Route Handler takes the form: its 303 carries the new cookie, whatever the storage.
        <form method="post" action="/api/signin">
          <label>
            Name <input name="name" required maxLength={40} />
          </label>{" "}
          <button id="sign-in">Sign in</button>
        </form>
      )}
      <p style={{ color: "#666" }}>Sessions: {appStorage().kind}</p>
    </main>
  );
}
