// The demo's HTML: plain server-rendered pages, every value escaped.
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const style = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2.5rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem;margin-bottom:.2rem}header p{color:#667;margin-top:0}
.flash{padding:.6rem 1rem;border-radius:.4rem;background:#e7f6ec;border:1px solid #9ad3ab}
.flash.error{background:#fdecec;border-color:#f0a3a3}
.count{font-size:3rem;font-weight:700;margin:.2rem 0}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #e3e6ea}
button{font:inherit;white-space:nowrap;padding:.35rem .9rem;border-radius:.35rem;border:1px solid #aab;background:#fff;cursor:pointer}
button.primary{background:#2d5bd7;border-color:#2d5bd7;color:#fff}nav{display:flex;gap:1rem;align-items:center}
input{font:inherit;padding:.35rem .6rem;border:1px solid #aab;border-radius:.35rem}.muted{color:#667}`;

function layout(title, body, store) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · tessera demo</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${style}</style></head>
<body><header><h1>${escape(title)}</h1><p>tessera demo · sessions in <strong id="store">${escape(store)}</strong></p></header>${body}</body></html>`;
}

/** The hidden field every form carries: this session's CSRF token, masked anew for each page. */
const csrfField = (csrf) => `<input type="hidden" name="_csrf" value="${escape(csrf)}">`;

function flashes(notice, error) {
  return (
    (notice ? `<p class="flash" role="status" id="notice">${escape(notice)}</p>` : "") +
    (error ? `<p class="flash error" role="alert" id="error">${escape(error)}</p>` : "")
  );
}

export function signInPage({ store, notice, error, csrf }) {
  return layout(
    "Sign in",
    `${flashes(notice, error)}
<form method="post" action="/signin">${csrfField(csrf)}
  <p><label>Your name <input name="name" autocomplete="username" autofocus></label>
  <button class="primary" type="submit">Sign in</button></p>
  <p class="muted">No passwords: this demo shows sessions, not authentication.</p>
</form>`,
    store,
  );
}

export function reauthPage({ store, user, returnTo, notice, error, csrf }) {
  return layout(
    "Confirm it is you",
    `${flashes(notice, error)}
<form method="post" action="/reauth">${csrfField(csrf)}
  <input type="hidden" name="return_to" value="${escape(returnTo)}">
  <p><label>Your name, ${escape(user)} <input name="name" autocomplete="username" autofocus></label>
  <button class="primary" type="submit" id="confirm">Confirm</button></p>
  <p class="muted">A real app asks for a password or a passkey here.</p>
</form>`,
    store,
  );
}

export function forbiddenPage({ store, message }) {
  return layout("Forbidden", `<p class="flash error" role="alert" id="error">${escape(message)}</p><p><a href="/">Home</a></p>`, store);
}

export function dashboardPage({ store, user, count, notes, notice, createdAt, csrf }) {
  return layout(
    "Dashboard",
    `${flashes(notice)}
<p>Signed in as <strong id="user">${escape(user)}</strong> since ${escape(createdAt.toISOString().slice(11, 19))} UTC.</p>
<p class="muted">Requests to this page in this session</p>
<p class="count" id="count">${count}</p>
<form method="post" action="/notes">${csrfField(csrf)}
  <p><label>Notes, kept in your session <textarea name="notes" id="notes" rows="3" cols="60" maxlength="3000">${escape(notes)}</textarea></label></p>
  <p><button type="submit" id="save-notes">Save notes</button> <span class="muted" id="notes-length">${notes.length} characters</span></p>
</form>
<nav><a href="/sessions">Your sessions</a>
<form method="post" action="/signout">${csrfField(csrf)}<button type="submit" id="signout">Sign out</button></form></nav>`,
    store,
  );
}

export function sessionsPage({ store, user, sessions, notice, available, csrf }) {
  const revokeOthers = `<p><form method="post" action="/sessions/revoke-others">${csrfField(csrf)}<button type="submit" id="revoke-others">Sign out all other sessions</button></form></p>`;
  if (!available) {
    return layout(
      "Your sessions",
      `${flashes(notice)}<p>Listing sessions needs server-side storage; this demo runs on cookie sessions, which are revocable all the same.</p>
${revokeOthers}<p><a href="/dashboard">Back to the dashboard</a></p>`,
      store,
    );
  }
  const rows = sessions
    .map(
      (s) => `<tr data-handle="${escape(s.handle)}"><td>${escape(s.device?.label ?? "unknown browser")}${s.current ? " <strong>(this one)</strong>" : ""}</td>
<td>${escape(s.createdAt.toISOString().replace("T", " ").slice(0, 19))}</td><td>${escape(s.lastSeenAt.toISOString().replace("T", " ").slice(0, 19))}</td>
<td>${s.current ? "" : `<form method="post" action="/sessions/revoke">${csrfField(csrf)}<input type="hidden" name="handle" value="${escape(s.handle)}"><button type="submit">Sign out</button></form>`}</td></tr>`,
    )
    .join("");
  return layout(
    "Your sessions",
    `${flashes(notice)}<p>Every session of <strong>${escape(user)}</strong>:</p>
<table><thead><tr><th>Browser</th><th>Signed in (UTC)</th><th>Last seen (UTC)</th><th></th></tr></thead><tbody id="sessions">${rows}</tbody></table>
${revokeOthers}
<p><a href="/dashboard">Back to the dashboard</a></p>`,
    store,
  );
}
