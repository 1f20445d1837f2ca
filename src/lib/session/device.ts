// "Your devices": what a user needs to recognise a session in a listing: a
// coarse device (browser and OS, from the User-Agent) and, only when the app
// asks for it, a coarse network (the IP address cut to its /24 or /48).
import { DEVICE_KEY } from "./reserved-keys.js";
import { stateOf, type Session } from "./session.js";
import { putValue } from "./state.js";

/** A session's device, as `recordDevice` noted it. */
export interface Device {
  /** "Chrome", "Firefox", "Safari", "Edge", … or "Unknown browser". */
  browser: string;
  /** "Windows", "macOS", "iOS", "Android", "Linux", "ChromeOS", … or "Unknown OS". */
  os: string;
  /** `browser` on `os`: "Firefox on Linux". */
  label: string;
  /** The network it signed in from ("203.0.113.0/24", "2001:db8:85a3::/48"), when recorded. */
  network?: string | undefined;
}

/** What `recordDevice` reads of a request. */
export interface ClientHints {
  userAgent?: string | null | undefined;
  /** The client's address (`req.socket.remoteAddress`, or the first of X-Forwarded-For behind your own proxy). */
  ip?: string | null | undefined;
}

// First match wins: Edge and Opera say "Chrome" too, Chrome says "Safari", iOS says "Mac OS X", Android says "Linux".
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, "Edge"],
  [/\b(OPR|Opera)\//, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\b(Firefox|FxiOS)\//, "Firefox"],
  [/\b(Chrome|CriOS|Chromium|HeadlessChrome)\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
  [/\bcurl\//, "curl"],
];
const SYSTEMS: Array<[RegExp, string]> = [
  [/\b(iPhone|iPad|iPod)\b/, "iOS"],
  [/\bAndroid\b/, "Android"],
  [/\bWindows\b/, "Windows"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"],
];

const first = (ua: string, table: Array<[RegExp, string]>, none: string) => table.find(([re]) => re.test(ua))?.[1] ?? none;

/** The coarse device of a User-Agent string. */
export function deviceOf(userAgent: string | null | undefined): Device {
  const ua = (userAgent ?? "").slice(0, 512);
  const browser = first(ua, BROWSERS, "Unknown browser");
  const os = first(ua, SYSTEMS, "Unknown OS");
  return { browser, os, label: `${browser} on ${os}` };
}

/** `ip` cut to its network: IPv4 to /24, IPv6 to /48; undefined for anything that is not an address. */
export function networkOf(ip: string | null | undefined): string | undefined {
  if (typeof ip !== "string") return undefined;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(ip.trim());
  if (v4) {
    const parts = v4.slice(1, 5).map(Number);
    return parts.every((n) => n <= 255) ? `${parts[0]}.${parts[1]}.${parts[2]}.0/24` : undefined;
  }
  const v6 = ip.trim().replace(/%.*$/, "").toLowerCase();
  if (!/^[0-9a-f:]+$/.test(v6) || !v6.includes(":") || (v6.match(/::/g)?.length ?? 0) > 1) return undefined;
  const [head = "", tail = ""] = v6.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const elided = 8 - left.length - right.length;
  // `::` stands for one group at least; without it there are eight.
  if (v6.includes("::") ? elided < 1 : elided !== 0) return undefined;
  const groups = [...left, ...Array<string>(v6.includes("::") ? elided : 0).fill("0"), ...right];
  if (groups.some((g) => g.length === 0 || g.length > 4)) return undefined;
  const n = groups.map((g) => parseInt(g, 16));
  // IPv4-mapped in hex (::ffff:c000:201) is the IPv4 address it maps.
  if (n.slice(0, 5).every((x) => x === 0) && n[5] === 0xffff) return `${n[6]! >> 8}.${n[6]! & 255}.${n[7]! >> 8}.0/24`;
  return `${n.slice(0, 3).map((x) => x.toString(16)).join(":")}::/48`;
}

/**
 * Notes the device `session` is used from, for `listSessions` (call it at sign-in,
 * beside `markAuthenticated`): the browser and OS of the User-Agent, and, with
 * `{ network: true }`, the client's network (the address cut to /24 or /48; off
 * by default, as an address, even cut, may count as personal data where you are).
 * Kept by `regenerateId()`; not one of the session's values.
 */
export function recordDevice(session: Session<any, any>, client: ClientHints, options: { network?: boolean | undefined } = {}): Device {
  if (session.destroyed) throw new Error("recordDevice(session): the session has been destroyed");
  const device = deviceOf(client.userAgent);
  const network = options.network ? networkOf(client.ip) : undefined;
  const stored = { browser: device.browser, os: device.os, ...(network ? { network } : {}) };
  const state = stateOf(session);
  putValue(state, DEVICE_KEY, stored);
  state.deviceNoted = true;
  return network ? { ...device, network } : device;
}

/** The device a stored session's values carry, if any. */
export function storedDevice(data: Record<string, unknown>): Device | undefined {
  const value = Object.hasOwn(data, DEVICE_KEY) ? data[DEVICE_KEY] : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  const { browser, os, network } = value as Record<string, unknown>;
  if (typeof browser !== "string" || typeof os !== "string") return undefined;
  return { browser, os, label: `${browser} on ${os}`, ...(typeof network === "string" ? { network } : {}) };
}
