// The runtime suite: the same scenarios on Node, Bun, Deno and workerd, importing
// the built package by its own name. Plain ESM, web standards only, so that every
// runtime runs this very file (workerd through a bundle of it).
import {
  createCookieSessionStorage,
  createMemorySessionStorage,
  createRevocableCookieSessionStorage,
  createSessionStorage,
  MemoryRevocationStore,
  setCookieLines,
} from "tessera-session";
import { currentSession, getSession, withSession } from "tessera-session/fetch";
import { session as honoSession } from "tessera-session/hono";
import { session as h3Session, useSession } from "tessera-session/h3";
import * as rr from "tessera-session/react-router";
import { Hono } from "hono";
import { H3, redirect } from "h3";

const SECRET_A = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5Jk";
const SECRET_B = "Zt7Hq2Mv9Lc4Xr8Nb1Wf6Ks3Pd5Gy0Je";
const SECRET_C = "Mx4Rb8Tn1Vq6Lz3Hc9Wk2Pf7Dg5Sj0Ya";

/** Every clock here is this one: cookie payloads and Max-Age then come out the same on every runtime. */
const NOW = Date.UTC(2026, 0, 1);
const now = () => NOW;

/**
 * Cookies sealed with SECRET_A at NOW by Node 20 (created and last seen at NOW,
 * `{ user: "ann" }`): every runtime must open what Node sealed.
 */
const SEALED_ON_NODE = {
  encrypted: "__Host-session=E1.ze5F9UK2.GMyEkMfXHH2Ka58fC-P3FWuoWff5SdCUOYveyajnHOJrnHl-NvdnvONmSxO35FipHtkkYrbcsy6-",
  signed: "__Host-session=S1.ze5F9UK2.W3sidXNlciI6ImFubiJ9LDE3NjcyMjU2MDAsMF0.w4yYsxyeG7dq9bo2tat0GCL8AsqG6LeOkhHjsaHuffI",
};

const URL_ = "https://app.example/";
const pair = (setCookie) => setCookie.split(";")[0];
const attributes = (setCookie) => setCookie.split(";").slice(1).map((a) => a.trim()).join("; ");
const valueOf = (setCookie) => pair(setCookie).slice(pair(setCookie).indexOf("=") + 1);
const withCookie = (cookie) => new Request(URL_, { headers: { cookie } });

/** The same value with one character changed, at `at` (from the end when negative). */
function flip(value, at) {
  const i = at < 0 ? value.length + at : at;
  const c = value[i] === "A" ? "B" : "A";
  return value.slice(0, i) + c + value.slice(i + 1);
}

/** Base64url text in `value`, decoded as far as it decodes: does the plaintext show? */
function showsInClear(value, text) {
  return value.split(".").some((part) => {
    try {
      return atob(part.replace(/-/g, "+").replace(/_/g, "/")).includes(text);
    } catch {
      return false;
    }
  });
}

function cookieStorage(secrets, extra = {}) {
  return createCookieSessionStorage({ cookie: { secrets, ...extra }, now });
}

/** What a fresh storage with `secrets` makes of a cookie: its `user`, or "fresh". */
async function readAs(secrets, cookie, extra) {
  const s = await cookieStorage(secrets, extra).read(withCookie(cookie));
  return s.isNew ? "fresh" : s.get("user");
}

/** A SessionStore of this file's own, asynchronous, over a Map: the contract as an app would write it. */
class MapStore {
  records = new Map();
  async get(key, at) {
    const r = this.records.get(key);
    return r && r.expiresAt > at ? structuredClone(r) : null;
  }
  async create(key, record) {
    this.records.set(key, structuredClone(record));
  }
  async update(key, patch, at) {
    const r = this.records.get(key);
    if (!r || r.expiresAt <= at) return false;
    const data = patch.clear ? {} : { ...r.data };
    for (const k of patch.unset) delete data[k];
    for (const [k, v] of Object.entries(patch.restore ?? {})) if (!(k in data)) data[k] = v;
    Object.assign(data, patch.set);
    this.records.set(key, {
      ...r,
      data,
      lastSeenAt: patch.lastSeenAt,
      expiresAt: patch.expiresAt,
      userId: patch.userId === undefined ? r.userId : (patch.userId ?? undefined),
      maxAge: patch.maxAge === undefined ? r.maxAge : (patch.maxAge ?? undefined),
    });
    return true;
  }
  async touch(key, lastSeenAt, expiresAt, at) {
    const r = this.records.get(key);
    if (!r || r.expiresAt <= at) return false;
    this.records.set(key, { ...r, lastSeenAt, expiresAt });
    return true;
  }
  async replace(oldKey, newKey, record, at) {
    const r = this.records.get(oldKey);
    if (!r || r.expiresAt <= at) return false;
    this.records.delete(oldKey);
    this.records.set(newKey, structuredClone(record));
    return true;
  }
  async delete(key) {
    this.records.delete(key);
  }
}

/**
 * What a middleware integration's app (GET / counts, POST /login regenerates and flashes, GET /notice
 * shows the flash) answers to a visit, a second visit, a sign-in, the notice twice, and the pre-login cookie.
 */
async function middlewareFlow(app) {
  const first = await app.fetch(new Request(URL_));
  const c1 = pair(first.headers.get("set-cookie"));
  const second = await app.fetch(withCookie(c1));
  const login = await app.fetch(new Request(`${URL_}login`, { method: "POST", headers: { cookie: c1 } }));
  const c2 = pair(login.headers.get("set-cookie"));
  const notice = await app.fetch(new Request(`${URL_}notice`, { headers: { cookie: c2 } }));
  const noticeAgain = await app.fetch(new Request(`${URL_}notice`, { headers: { cookie: c2 } }));
  const oldAfterLogin = await app.fetch(withCookie(c1));
  return {
    first: [first.status, await first.text(), first.headers.get("cache-control")],
    second: [second.status, await second.text(), second.headers.get("set-cookie")],
    login: [login.status, login.headers.get("location"), c2 !== c1],
    notice: [await notice.text(), await noticeAgain.text()],
    oldCookieAfterLogin: await oldAfterLogin.text(),
  };
}

const scenarios = {
  async "cookie: encrypted, read back by another instance"() {
    const storage = cookieStorage([SECRET_A]);
    const first = await storage.read(new Request(URL_));
    first.set("user", "ann");
    first.set("n", 1);
    const setCookie = await storage.save(first);
    // A second storage knows nothing this one sealed: the value really is opened.
    const back = await cookieStorage([SECRET_A]).read(withCookie(pair(setCookie)));
    return {
      firstIsNew: first.isNew,
      name: pair(setCookie).split("=")[0],
      attributes: attributes(setCookie),
      plaintextShows: showsInClear(valueOf(setCookie), "ann"),
      isNew: back.isNew,
      user: back.get("user"),
      n: back.get("n"),
      unchangedSave: await cookieStorage([SECRET_A]).save(back),
    };
  },

  async "cookie: signed only (encrypt: false)"() {
    const storage = cookieStorage([SECRET_A], { encrypt: false });
    const s = await storage.read(null);
    s.set("user", "ann");
    const setCookie = await storage.save(s);
    return {
      attributes: attributes(setCookie),
      plaintextShows: showsInClear(valueOf(setCookie), "ann"),
      readBack: await readAs([SECRET_A], pair(setCookie), { encrypt: false }),
    };
  },

  async "cookie: secret rotation"() {
    const old = cookieStorage([SECRET_A]);
    const s = await old.read(null);
    s.set("user", "ann");
    const oldCookie = pair(await old.save(s));
    const rotated = cookieStorage([SECRET_B, SECRET_A]);
    const read = await rotated.read(withCookie(oldCookie));
    const reissued = await rotated.save(read);
    return {
      oldReadByRotated: read.isNew ? "fresh" : read.get("user"),
      reissuedUnderNewSecret: reissued !== null && pair(reissued) !== oldCookie,
      reissuedReadByNewOnly: reissued === null ? null : await readAs([SECRET_B], pair(reissued)),
      oldReadByNewOnly: await readAs([SECRET_B], oldCookie),
      oldReadByStranger: await readAs([SECRET_C], oldCookie),
    };
  },

  async "cookie: chunked, grown past one cookie and back"() {
    const storage = cookieStorage([SECRET_A], { name: "sid" });
    const chunked = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" }, now, maxChunks: 2 });
    const names = (value) => setCookieLines(value).map((line) => line.slice(0, line.indexOf("=")) + (/Max-Age=0/.test(line) ? " (expired)" : ""));
    const jar = (value) => setCookieLines(value).filter((line) => !/Max-Age=0/.test(line)).map(pair).join("; ");
    const s = await chunked.read(null);
    s.set("notes", "n".repeat(3500));
    const grown = await chunked.save(s);
    const back = await chunked.read(withCookie(jar(grown)));
    back.unset("notes");
    back.set("user", "ann");
    const shrunk = await chunked.save(back);
    const swapped = jar(grown).replace(/sid\.1=[^;]*/, `sid.1=${"A".repeat(100)}`);
    return {
      grown: names(grown),
      longestLine: Math.max(...setCookieLines(grown).map((l) => l.length)) <= 4096,
      notesBack: back.isNew ? "fresh" : (await chunked.read(withCookie(jar(grown)))).get("notes").length,
      shrunk: names(shrunk),
      readByPlainStorage: (await storage.read(withCookie(jar(shrunk)))).get("user"),
      swappedChunk: (await chunked.read(withCookie(swapped))).isNew ? "fresh" : "opened",
    };
  },

  async "cookie: revocable, log out everywhere else and sign out"() {
    const store = new MemoryRevocationStore({ now });
    const make = () => createRevocableCookieSessionStorage({ cookie: { secrets: [SECRET_A] }, now, userKey: "user", revocation: { store } });
    const [a, b] = [make(), make()];
    const signIn = async () => {
      const s = await a.read(null);
      s.regenerateId();
      s.set("user", "ann");
      return pair(await a.save(s));
    };
    const userOf = async (storage, cookie) => {
      const s = await storage.read(withCookie(cookie));
      return s.isNew ? "fresh" : s.get("user");
    };
    const [phone, laptop] = [await signIn(), await signIn()];
    const before = await userOf(b, phone);
    const current = await a.read(withCookie(laptop));
    await a.destroyAllSessions("ann", { except: current });
    const kept = pair(await a.save(current));
    const afterOthers = await userOf(a, phone);
    const keptOnB = await userOf(b, kept);
    await a.destroySession(await a.read(withCookie(kept)));
    return { before, afterOthers, keptOnB, afterSignOut: await userOf(a, kept) };
  },

  async "cookie: tampered or foreign values are a fresh session"() {
    const out = {};
    for (const encrypt of [true, false]) {
      const storage = cookieStorage([SECRET_A], { encrypt });
      const s = await storage.read(null);
      s.set("user", "ann");
      const good = pair(await storage.save(s));
      const [name, value] = [good.slice(0, good.indexOf("=")), good.slice(good.indexOf("=") + 1)];
      const variants = {
        intact: value,
        firstCharFlipped: flip(value, 0),
        middleCharFlipped: flip(value, Math.floor(value.length / 2)),
        lastCharFlipped: flip(value, -1),
        truncated: value.slice(0, -4),
        extended: value + "AAAA",
        empty: "",
        garbage: "not-a-session",
      };
      const results = {};
      for (const [label, v] of Object.entries(variants)) results[label] = await readAs([SECRET_A], `${name}=${v}`, { encrypt });
      out[encrypt ? "encrypted" : "signed"] = results;
    }
    return out;
  },

  async "cookie: sealed on Node 20 opens here"() {
    return {
      encrypted: await readAs([SECRET_A], SEALED_ON_NODE.encrypted),
      signed: await readAs([SECRET_A], SEALED_ON_NODE.signed, { encrypt: false }),
    };
  },

  async "cookie: flash"() {
    const storage = cookieStorage([SECRET_A]);
    const s = await storage.read(null);
    s.flash("notice", "saved");
    const c1 = pair(await storage.save(s));
    const r1 = await cookieStorage([SECRET_A]).read(withCookie(c1));
    const seen = r1.get("notice");
    const c2 = await cookieStorage([SECRET_A]).save(r1);
    const r2 = await cookieStorage([SECRET_A]).read(withCookie(pair(c2)));
    return { seen, again: r2.get("notice") ?? null, consumedSaveSetsCookie: c2 !== null };
  },

  async "cookie: destroy"() {
    const storage = cookieStorage([SECRET_A]);
    const s = await storage.read(null);
    s.set("user", "ann");
    const c = pair(await storage.save(s));
    const r = await storage.read(withCookie(c));
    r.destroy();
    let setAfterDestroy;
    try {
      r.set("user", "bob");
      setAfterDestroy = "allowed";
    } catch (error) {
      setAfterDestroy = error.message.startsWith("Session has been destroyed") ? "refused" : error.message;
    }
    return { cleared: await storage.save(r), readsAsEmpty: r.get("user") ?? null, setAfterDestroy };
  },

  async "memory: round trip, flash, regenerateId, destroy"() {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, now });
    const s = await storage.read(null);
    s.set("user", "ann");
    s.flash("notice", "welcome");
    const c1 = pair(await storage.save(s));
    const r1 = await storage.read(withCookie(c1));
    const flashSeen = r1.get("notice");
    const afterFlashSave = await storage.save(r1);
    const r2 = await storage.read(withCookie(c1));
    const flashAgain = r2.get("notice") ?? null;
    const oldId = r2.id;
    r2.regenerateId();
    const c3 = pair(await storage.save(r2));
    const oldAfterRegenerate = await storage.read(withCookie(c1));
    const r3 = await storage.read(withCookie(c3));
    const regenerated = { newId: r3.id !== oldId && r3.id.length === 32, user: r3.get("user"), oldCookie: oldAfterRegenerate.isNew ? "fresh" : "kept" };
    r3.destroy();
    const cleared = await storage.save(r3);
    const afterDestroy = await storage.read(withCookie(c3));
    return {
      idLength: s.id.length,
      user: r1.get("user"),
      flashSeen,
      afterFlashSave,
      flashAgain,
      regenerated,
      clearedAttributes: attributes(cleared),
      clearedValue: valueOf(cleared),
      afterDestroy: afterDestroy.isNew ? "fresh" : afterDestroy.get("user"),
    };
  },

  async "custom SessionStore: hashed keys, patches, regenerateId, destroy"() {
    const store = new MapStore();
    const storage = createSessionStorage({ store, cookie: { secrets: [SECRET_A] }, now });
    const s = await storage.read(null);
    s.set("user", "ann");
    s.set("cart", ["a"]);
    const c1 = pair(await storage.save(s));
    const [key] = [...store.records.keys()];
    const stored = store.records.get(key);
    const r1 = await storage.read(withCookie(c1));
    r1.set("cart", ["a", "b"]);
    r1.unset("user");
    const unchangedCookie = await storage.save(r1);
    const patched = structuredClone(store.records.get(key).data);
    const r2 = await storage.read(withCookie(c1));
    r2.regenerateId();
    const c2 = pair(await storage.save(r2));
    const keysAfterRegenerate = [...store.records.keys()];
    const r3 = await storage.read(withCookie(c2));
    const regenerate = { keys: keysAfterRegenerate.length, oldKeyGone: !keysAfterRegenerate.includes(key), cart: r3.get("cart") };
    r3.destroy();
    await storage.save(r3);
    return {
      keyShape: /^[A-Za-z0-9_-]{43}$/.test(key),
      keyIsNotTheId: key !== s.id && !c1.includes(key),
      storedData: stored.data,
      unchangedCookie,
      patched,
      regenerate,
      oldCookieAfterRegenerate: (await storage.read(withCookie(c1))).isNew ? "fresh" : "kept",
      recordsAfterDestroy: store.records.size,
    };
  },

  async "header mode: x-session-token"() {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, transport: { header: "x-session-token" }, now });
    const s = await storage.read(new Request(URL_));
    s.set("user", "ann");
    const token = await storage.save(s);
    const byHeader = await storage.read(new Request(URL_, { headers: { "x-session-token": token } }));
    const byCookie = await storage.read(withCookie(`__Host-session=${token}`));
    const app = withSession(storage, async (request) => {
      const current = await getSession(request);
      if (new URL(request.url).pathname === "/logout") current.destroy();
      else current.set("user", "bob");
      return new Response("ok");
    });
    const created = await app(new Request(URL_));
    const issued = created.headers.get("x-session-token");
    const loggedOut = await app(new Request(`${URL_}logout`, { headers: { "x-session-token": issued } }));
    return {
      tokenHasNoAttributes: !token.includes(";") && token.length > 40,
      byHeader: byHeader.isNew ? "fresh" : byHeader.get("user"),
      byCookie: byCookie.isNew ? "fresh" : byCookie.get("user"),
      created: { status: created.status, token: issued !== null && issued.length > 40, setCookie: created.headers.get("set-cookie"), vary: created.headers.get("vary") },
      loggedOut: { status: loggedOut.status, token: loggedOut.headers.get("x-session-token") },
      afterLogout: (await storage.read(new Request(URL_, { headers: { "x-session-token": issued } }))).isNew ? "fresh" : "kept",
    };
  },

  async "fetch: withSession and getSession"() {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, now });
    const app = withSession(storage, async (request) => {
      const s = await getSession(request);
      const n = Number(s.get("n") ?? 0) + 1;
      s.set("n", n);
      let ambient;
      try {
        ambient = (await currentSession()) === s ? "same session" : "another session";
      } catch (error) {
        ambient = error.message;
      }
      const headers = new Headers({ "content-type": "text/plain" });
      headers.append("set-cookie", "theme=dark; Path=/");
      return new Response(`n=${n}; currentSession: ${ambient}`, { headers });
    });
    const first = await app(new Request(URL_));
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith("__Host-session="));
    const second = await app(withCookie(pair(cookie)));
    const untouched = await withSession(storage, () => Response.redirect(`${URL_}elsewhere`, 303))(new Request(URL_));
    let outside;
    try {
      await getSession(new Request(URL_));
    } catch (error) {
      outside = error.message;
    }
    return {
      first: { body: await first.text(), cookies: first.headers.getSetCookie().map((c) => c.split("=")[0]), cacheControl: first.headers.get("cache-control"), vary: first.headers.get("vary") },
      second: { body: await second.text(), setCookie: second.headers.get("set-cookie") },
      untouched: { status: untouched.status, setCookie: untouched.headers.get("set-cookie") },
      outside,
    };
  },

  async "hono: session middleware"() {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, now });
    const app = new Hono();
    app.use(honoSession(storage));
    app.get("/", (c) => {
      const s = c.get("session");
      const n = Number(s.get("n") ?? 0) + 1;
      s.set("n", n);
      return c.text(`n=${n}`);
    });
    app.post("/login", (c) => {
      const s = c.get("session");
      s.regenerateId();
      s.set("user", "ann");
      s.flash("notice", "signed in");
      return c.redirect("/", 303);
    });
    app.get("/notice", (c) => c.text(String(c.get("session").get("notice") ?? "none")));
    return middlewareFlow(app);
  },

  async "h3: session middleware"() {
    const storage = createMemorySessionStorage({ cookie: { secrets: [SECRET_A] }, now });
    const app = new H3().use(h3Session(storage));
    app.get("/", (event) => {
      const s = useSession(event);
      const n = Number(s.get("n") ?? 0) + 1;
      s.set("n", n);
      return `n=${n}`;
    });
    app.post("/login", (event) => {
      const s = useSession(event);
      s.regenerateId();
      s.set("user", "ann");
      s.flash("notice", "signed in");
      return redirect("/", 303);
    });
    app.get("/notice", (event) => String(useSession(event).get("notice") ?? "none"));
    return middlewareFlow(app);
  },

  async "react-router: createCookieSessionStorage"() {
    const storage = rr.createCookieSessionStorage({ cookie: { name: "__session", secrets: [SECRET_A], httpOnly: true, secure: true, sameSite: "lax", path: "/" } });
    const s = await storage.getSession(null);
    s.set("userId", "ann");
    s.flash("notice", "hi");
    const committed = await storage.commitSession(s);
    const back = await storage.getSession(pair(committed));
    const notice = back.get("notice");
    const afterFlash = await storage.commitSession(back);
    const tampered = await storage.getSession(pair(committed).replace(/.$/, (c) => (c === "A" ? "B" : "A")));
    const rotated = rr.createCookieSessionStorage({ cookie: { name: "__session", secrets: [SECRET_B, SECRET_A] } });
    return {
      committed,
      userId: back.get("userId"),
      notice,
      afterFlash,
      tampered: tampered.get("userId") ?? null,
      readByRotated: (await rotated.getSession(pair(committed))).get("userId"),
      destroyed: await storage.destroySession(back),
    };
  },

  async "react-router: createMemorySessionStorage"() {
    const storage = rr.createMemorySessionStorage({ cookie: { name: "__session", secrets: [SECRET_A], sameSite: "lax" } });
    const s = await storage.getSession(null);
    s.set("userId", "ann");
    const committed = await storage.commitSession(s);
    const back = await storage.getSession(pair(committed));
    const destroyed = await storage.destroySession(back);
    const gone = await storage.getSession(pair(committed));
    return {
      idShape: /^[0-9a-f]{32}$/.test(back.id),
      attributes: attributes(committed),
      userId: back.get("userId"),
      destroyed,
      afterDestroy: { id: gone.id, userId: gone.get("userId") ?? null },
    };
  },

  async "react-router: createCookie"() {
    const prefs = rr.createCookie("prefs", { secrets: [SECRET_A], path: "/", sameSite: "strict" });
    const serialized = await prefs.serialize({ theme: "dark" });
    const later = rr.createCookie("prefs", { secrets: [SECRET_B, SECRET_A] });
    const unsigned = rr.createCookie("plain");
    return {
      serialized,
      parsed: await prefs.parse(pair(serialized)),
      readAfterRotation: await later.parse(pair(serialized)),
      tampered: await prefs.parse(pair(serialized).replace("prefs=e", "prefs=f")),
      isSigned: [prefs.isSigned, unsigned.isSigned],
      unsigned: await unsigned.serialize("héllo wörld 🌙"),
      isCookie: [rr.isCookie(prefs), rr.isCookie({})],
    };
  },
};

/** What this runtime is, as it says itself. */
function runtime() {
  const g = globalThis;
  if (g.Deno) return { name: "deno", version: g.Deno.version.deno };
  if (g.Bun) return { name: "bun", version: g.Bun.version };
  if (g.navigator?.userAgent === "Cloudflare-Workers") return { name: "workerd", version: null };
  return { name: "node", version: g.process?.version ?? null };
}

/** Runs every scenario; a scenario that throws is reported, never fatal. */
export async function runScenarios() {
  const g = globalThis;
  const results = {};
  for (const [name, scenario] of Object.entries(scenarios)) {
    try {
      results[name] = { ok: true, value: await scenario() };
    } catch (error) {
      results[name] = { ok: false, error: String(error?.stack ?? error) };
    }
  }
  // What this runtime sealed, for Node 20 to open.
  const sealed = { now: NOW };
  for (const encrypt of [true, false]) {
    const storage = cookieStorage([SECRET_A], { encrypt });
    const s = await storage.read(null);
    s.set("user", "ann");
    sealed[encrypt ? "encrypted" : "signed"] = pair(await storage.save(s));
  }
  return {
    runtime: runtime(),
    environment: {
      getBuiltinModule: typeof g.process?.getBuiltinModule === "function",
      asyncLocalStorage: typeof g.AsyncLocalStorage === "function" || typeof g.process?.getBuiltinModule?.("node:async_hooks")?.AsyncLocalStorage === "function",
    },
    results,
    sealed,
  };
}
