// "Your devices": the coarse device of a User-Agent, the coarse network of an address, and
// recordDevice on a session (listSessions, maxSessionsPerUser and "new-device": test/conformance.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, cookiePair } from "../../../test/helpers.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { deviceOf, networkOf, recordDevice } from "./device.js";

const UAS: Array<[string, string]> = [
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Windows"],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"],
  ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari on macOS"],
  ["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari on iOS"],
  ["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "Chrome on iOS"],
  ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android"],
  ["Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"],
  ["Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"],
  ["Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on ChromeOS"],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera on Windows"],
  ["curl/8.5.0", "curl on Unknown OS"],
  ["", "Unknown browser on Unknown OS"],
];

describe("devices", () => {
  test("a User-Agent gives a coarse browser and OS", () => {
    assert.deepEqual(UAS.map(([ua]) => deviceOf(ua).label), UAS.map(([, label]) => label));
    assert.deepEqual(deviceOf(undefined), { browser: "Unknown browser", os: "Unknown OS", label: "Unknown browser on Unknown OS" });
    assert.equal(deviceOf("x".repeat(100_000) + " Firefox/1").label, "Unknown browser on Unknown OS", "only the first 512 characters are read");
  });

  test("an address is cut to its /24 or /48 (an IPv4-mapped one, dotted or in hex, to its /24); anything else, too many groups too, is no network", () => {
    const cases: Array<[string | undefined, string | undefined]> = [
      ["203.0.113.77", "203.0.113.0/24"],
      ["::ffff:198.51.100.9", "198.51.100.0/24"],
      ["2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"],
      ["2001:0db8:0000::1", "2001:db8:0::/48"],
      ["fe80::1%eth0", "fe80:0:0::/48"],
      ["::1", "0:0:0::/48"],
      ["256.1.1.1", undefined],
      ["1.2.3", undefined],
      ["1::2::3", undefined],
      ["::ffff:c000:0201", "192.0.2.0/24"],
      ["1:2:3:4:5:6:7:8:9::", undefined],
      ["1:2:3:4:5:6:7:8::", undefined],
      ["1:2:3:4:5:6:7::", "1:2:3::/48"],
      ["1:2:3:4:5:6:7:8:9", undefined],
      [":".repeat(40), undefined],
      ["example.com", undefined],
      ["", undefined],
      [undefined, undefined],
    ];
    assert.deepEqual(cases.map(([ip]) => networkOf(ip)), cases.map(([, net]) => net));
  });

  test("recordDevice keeps the device in the session, across regenerateId, out of its values; the network only when asked", async () => {
    const storage = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "sid" } });
    const s = await storage.read(null);
    const noted = recordDevice(s, { userAgent: UAS[7]![0], ip: "203.0.113.77" });
    assert.deepEqual(noted, { browser: "Firefox", os: "Linux", label: "Firefox on Linux" });
    assert.deepEqual(recordDevice(s, { userAgent: UAS[7]![0], ip: "203.0.113.77" }, { network: true }).network, "203.0.113.0/24");
    s.regenerateId({ keep: [] });
    s.set("userId", "ann");
    const read = await storage.read(cookiePair(await storage.save(s)));
    assert.deepEqual(read.entries(), [["userId", "ann"]]);
    assert.throws(() => (read as { set(k: string, v: unknown): void }).set("__device__", {}), /reserved: use recordDevice/);
    read.destroy();
    assert.throws(() => recordDevice(read, {}), /destroyed/);
  });
});
