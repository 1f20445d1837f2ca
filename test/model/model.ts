/**
 * Model-based concurrency tests: fast-check runs random interleavings of
 * requests on two servers over one store (read, set, flash, show a flash,
 * login with regenerateId, logout, save, "log out everywhere", time passing)
 * and checks each step against a model of what must hold:
 *
 * - a session that ended (logout, revocation, expiry, a login that replaced
 *   it) is never readable again, and no save after its end issues a cookie;
 * - a login (regenerate) that answered with a cookie is never lost: that
 *   cookie opens the session, with its data, until it ends;
 * - two requests that change different keys both survive (saves apply only
 *   their own changes);
 * - a flash value is shown at most once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { cookiePair } from "../helpers.js";
import { TIMEOUTS, type Endpoint } from "./endpoint.js";

type Command =
  | { t: "open"; slot: number; client: number; via: number }
  | { t: "set" | "unset"; slot: number; key: string }
  | { t: "flash" | "show" | "login" | "logout" | "save"; slot: number }
  | { t: "revokeAll"; via: number; except: number | null }
  | { t: "wait"; seconds: number };

const slot = fc.integer({ min: 0, max: 2 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant("open" as const), slot, client: fc.integer({ min: 0, max: 1 }), via: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("set" as const), slot, key: fc.constantFrom("a", "b", "c") }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("unset" as const), slot, key: fc.constantFrom("a", "b", "c") }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("flash" as const), slot }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("show" as const), slot }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("login" as const), slot }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("logout" as const), slot }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant("save" as const), slot }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("revokeAll" as const), via: fc.integer({ min: 0, max: 1 }), except: fc.option(slot, { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("wait" as const), seconds: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.constant(TIMEOUTS.idleTimeout + 1)) }) },
);

/** A stored session as the model knows it. */
interface Known {
  id: string;
  cookie: string;
  alive: boolean;
  data: Map<string, unknown>;
  createdAt: number;
  lastSeenAt: number;
}

/** An open request. */
interface Slot {
  serial: number;
  via: number;
  client: number;
  /** The live session it read, or null for a fresh one. */
  read: Known | null;
  openedAt: number;
  seenAtOpen: number;
  snapshot: Map<string, unknown>;
  changes: Map<string, unknown>;
  login: boolean;
  logout: boolean;
}

const isClearing = (setCookie: string) => /Max-Age=0/.test(setCookie);

/**
 * Points a generated command at a request that exists, so that few steps are
 * no-ops: a slot names one of the open requests (modulo how many are open),
 * an open takes a free slot, and a request command with none open opens one.
 */
function retarget(c: Command, slots: Map<number, Slot>): Command | null {
  if (c.t === "wait" || c.t === "revokeAll") return c;
  const busy = [...slots.keys()].sort();
  const free = [0, 1, 2].filter((n) => !slots.has(n));
  if (c.t === "open") return free.length ? { ...c, slot: free[c.slot % free.length]! } : null;
  if (busy.length === 0) return { t: "open", slot: free[0]!, client: c.slot % 2, via: (c.slot >> 1) % 2 };
  return { ...c, slot: busy[c.slot % busy.length]! };
}

/** One run: `commands` against the two endpoints, every step checked. */
let runs = 0;

async function run(endpoints: [Endpoint, Endpoint], commands: Command[]): Promise<void> {
  // Runs share the store: each signs in a user of its own, so "log out everywhere" sees only this run.
  const user = `U${++runs}`;
  let now = Date.now();
  let counter = 0;
  const sessions: Known[] = [];
  const byCookie = new Map<string, Known>();
  const clients: Array<string | null> = [null, null];
  const slots = new Map<number, Slot>();
  /** Which request (an open slot's serial) showed each flash value: every read in that request sees it, no other request does. */
  const shown = new Map<number, number>();
  let opened = 0;
  const expiry = (k: Known) => Math.min(k.lastSeenAt + TIMEOUTS.idleTimeout * 1000, k.createdAt + TIMEOUTS.absoluteTimeout * 1000);
  const remember = (k: Known) => {
    sessions.push(k);
    byCookie.set(k.cookie, k);
  };
  const ended = async (step: string) => {
    for (const k of sessions) {
      if (!k.alive) assert.equal(await endpoints[0].isFresh(k.cookie, now), true, `${step}: an ended session (${k.id.slice(0, 6)}) opens nothing`);
    }
  };

  for (const [i, given] of commands.entries()) {
    const c = retarget(given, slots);
    if (c === null) continue;
    const step = `step ${i} ${JSON.stringify(c)}`;
    if (c.t === "wait") {
      now += c.seconds * 1000;
      for (const k of sessions) if (k.alive && now >= expiry(k)) k.alive = false;
      await ended(step);
      continue;
    }
    if (c.t === "revokeAll") {
      const s = c.except === null ? undefined : slots.get(c.except);
      const exceptSlot = s && s.via === c.via ? c.except : null;
      // A request that already called destroy() protects nothing: its session is ending.
      const kept = exceptSlot === null || s!.logout ? null : s!.read;
      const victims = sessions.filter((k) => k.alive && k.data.get("userId") === user && k !== kept);
      const n = await endpoints[c.via]!.revokeAll(user, exceptSlot, now);
      assert.equal(n, victims.length, `${step}: sessions ended`);
      for (const k of victims) k.alive = false;
      await ended(step);
      continue;
    }
    if (c.t === "open") {
      if (slots.has(c.slot)) continue;
      const cookie = clients[c.client]!;
      const known = cookie ? byCookie.get(cookie) : undefined;
      const read = known?.alive ? known : null;
      const got = await endpoints[c.via]!.open(c.slot, cookie, now);
      assert.equal(got.isNew, read === null, `${step}: new exactly when no live session`);
      if (read) assert.deepEqual(got.data, Object.fromEntries(read.data), `${step}: the stored data`);
      slots.set(c.slot, {
        serial: ++opened,
        via: c.via,
        client: c.client,
        read,
        openedAt: now,
        seenAtOpen: read?.lastSeenAt ?? now,
        snapshot: new Map(read?.data ?? []),
        changes: new Map(),
        login: false,
        logout: false,
      });
      continue;
    }
    const s = slots.get(c.slot);
    if (!s || (s.logout && c.t !== "save")) continue;
    const endpoint = endpoints[s.via]!;
    switch (c.t) {
      case "set": {
        const value = ++counter;
        await endpoint.act(c.slot, { t: "set", key: c.key, value }, now);
        s.changes.set(c.key, value);
        break;
      }
      case "unset":
        await endpoint.act(c.slot, { t: "unset", key: c.key }, now);
        s.changes.set(c.key, undefined);
        break;
      case "flash":
        await endpoint.act(c.slot, { t: "flash", value: ++counter }, now);
        break;
      case "show": {
        const value = (await endpoint.act(c.slot, { t: "show" }, now)) as number | null;
        if (value !== null) {
          assert.equal(shown.get(value) ?? s.serial, s.serial, `${step}: flash ${value} shown by one request only`);
          shown.set(value, s.serial);
        }
        break;
      }
      case "login":
        await endpoint.act(c.slot, { t: "login", user }, now);
        s.login = true;
        s.changes.set("userId", user);
        break;
      case "logout":
        await endpoint.act(c.slot, { t: "logout" }, now);
        s.logout = true;
        break;
      case "save": {
        slots.delete(c.slot);
        const saved = await endpoint.save(c.slot, now);
        const apply = (data: Map<string, unknown>) => {
          for (const [k, v] of s.changes) {
            if (v === undefined) data.delete(k);
            else data.set(k, v);
          }
          return data;
        };
        if (s.logout) {
          assert.ok(saved.setCookie && isClearing(saved.setCookie), `${step}: a logout expires the cookie`);
          if (s.read) s.read.alive = false;
          clients[s.client] = null;
        } else if (s.read === null) {
          if (!saved.dirty) {
            assert.equal(saved.setCookie, null, `${step}: an untouched new session sends nothing`);
          } else {
            assert.ok(saved.setCookie && !isClearing(saved.setCookie), `${step}: a new session gets a cookie`);
            const k: Known = { id: saved.id, cookie: cookiePair(saved.setCookie), alive: true, data: apply(new Map()), createdAt: s.openedAt, lastSeenAt: now };
            remember(k);
            clients[s.client] = k.cookie;
          }
        } else if (!s.read.alive) {
          assert.equal(saved.setCookie, null, `${step}: a save after the session ended writes nothing and sends no cookie`);
        } else if (s.login) {
          assert.ok(saved.setCookie && !isClearing(saved.setCookie), `${step}: a login gets a cookie`);
          s.read.alive = false;
          const k: Known = { id: saved.id, cookie: cookiePair(saved.setCookie), alive: true, data: apply(s.snapshot), createdAt: s.read.createdAt, lastSeenAt: now };
          remember(k);
          clients[s.client] = k.cookie;
        } else {
          assert.equal(saved.setCookie, null, `${step}: the client keeps its cookie`);
          apply(s.read.data);
          if (saved.dirty || now - s.seenAtOpen >= TIMEOUTS.touchInterval * 1000) s.read.lastSeenAt = now;
        }
        await ended(step);
        break;
      }
    }
  }
  // Every session the model holds alive opens with exactly its data: no login lost, no change lost.
  for (const k of sessions) {
    if (!k.alive) continue;
    const opened = await endpoints[0].open(99, k.cookie, now);
    assert.equal(opened.isNew, false, `a live session (${k.id.slice(0, 6)}) still opens`);
    assert.deepEqual(opened.data, Object.fromEntries(k.data), "with every change kept");
  }
}

/** How many interleavings each store gets (2,000 in CI; MODEL_RUNS overrides). */
export const RUNS = Number(process.env.MODEL_RUNS ?? 2000);

/** Registers the model test of one store: `setup` makes the two servers once, for every run. */
export function runModel(
  name: string,
  setup: () => Promise<{ endpoints: [Endpoint, Endpoint]; close: () => Promise<void> }>,
  options: { skip?: string | false; users?: boolean } = {},
): void {
  const { skip = false, users = true } = options;
  const commands = users ? command : command.filter((c) => c.t !== "revokeAll");
  test(`model: ${name}: ended sessions stay ended, logins and changes are kept, a flash shows once (${RUNS} interleavings)`, { skip }, async () => {
    const { endpoints, close } = await setup();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(commands, { minLength: 1, maxLength: 24 }), (commands) => run(endpoints, commands)),
        { numRuns: RUNS, includeErrorInReport: true },
      );
    } finally {
      await close();
    }
  });
}
