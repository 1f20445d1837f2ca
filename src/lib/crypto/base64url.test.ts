import assert from "node:assert/strict";
import { test } from "node:test";
import { createNodeBackend } from "./node.js";
import { createWebBackend } from "./web.js";

const backends = [createNodeBackend()!, createWebBackend()];

test("both backends encode every length the same way as Buffer's base64url", () => {
  for (let n = 0; n < 70; n++) {
    const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
    const expected = Buffer.from(bytes).toString("base64url");
    for (const b of backends) {
      assert.equal(b.toBase64Url(bytes), expected, `${b.name} encode ${n}`);
      assert.deepEqual([...b.fromBase64Url(expected)!], [...bytes], `${b.name} decode ${n}`);
    }
  }
});

test("decoding refuses padding, foreign characters, impossible lengths and non-zero trailing bits", () => {
  for (const bad of ["AB==", "A", "ABCDE", "AB+/", "AB C", "AB.C", "é", "AB\u0000", "AC", "ABD"]) {
    for (const b of backends) assert.equal(b.fromBase64Url(bad), null, `${b.name} ${JSON.stringify(bad)}`);
  }
});

test("both backends derive the same HKDF bytes, so cookies move between runtimes", async () => {
  const [node, web] = backends;
  const a = await node!.derive("secret material that is long enough", "salt", "info", 32);
  const b = await web!.derive("secret material that is long enough", "salt", "info", 32);
  assert.deepEqual([...a], [...b]);
  assert.equal(a.length, 32);
});

test("both backends compute the same HMAC and SHA-256", async () => {
  const [node, web] = backends;
  const raw = new Uint8Array(32).fill(7);
  const [ka, kb] = [await node!.hmacKey(raw), await web!.hmacKey(raw)];
  assert.deepEqual([...(await node!.hmac(ka, "héllo"))], [...(await web!.hmac(kb, "héllo"))]);
  const text = Buffer.from(await node!.hmac(ka, "héllo")).toString("base64url");
  assert.equal(await node!.hmacBase64Url(ka, "héllo"), text);
  assert.equal(await web!.hmacBase64Url(kb, "héllo"), text);
  assert.equal(await node!.sha256("abc"), await web!.sha256("abc"));
  assert.equal(await node!.sha256("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
});

test("a value encrypted by one backend is decrypted by the other", async () => {
  const [node, web] = backends;
  const raw = new Uint8Array(32).fill(9);
  const aad = new TextEncoder().encode("name");
  const sealed = await node!.encrypt(await node!.aesKey(raw), new TextEncoder().encode("data"), aad);
  const opened = await web!.decrypt(await web!.aesKey(raw), sealed, aad);
  assert.equal(new TextDecoder().decode(opened!), "data");
  const back = await web!.encrypt(await web!.aesKey(raw), new TextEncoder().encode("back"), aad);
  assert.equal(new TextDecoder().decode((await node!.decrypt(await node!.aesKey(raw), back, aad))!), "back");
});

test("random bytes never repeat across pool refills", () => {
  for (const b of backends) {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(b.toBase64Url(b.random(12)));
    assert.equal(seen.size, 2000);
  }
});
