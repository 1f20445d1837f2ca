// Crash safety: a process is SIGKILLed in the middle of thousands of file-store
// writes, again and again. Every session file must read as one complete
// version, and the store must keep working (locks left by the dead are taken over).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createFileSessionStorage } from "../src/file.js";
import { SECRET_A, cookiePair } from "./helpers.js";

/**
 * File-system events in the shards (about 7 a write: lock taken, temporary file
 * created, written, dated, renamed over the session file, lock given back)
 * before the first writer is killed, and how many more each next one gets: a
 * step that is not a multiple of 7 kills each at a different step of a write.
 */
const KILL_AFTER = 2100;
const KILL_STEP = 701;
const blob = (v: number) => `${v}:${"x".repeat(500 + (v % 300))}:${v}`;

/** The shard directories of a file store at `dir`, which hold its session files. */
const shardsOf = (dir: string) => readdirSync(dir).filter((s) => /^[0-9a-f]{2}$/.test(s));

/** Resolves once fs.watch has reported `count` events in the shards of the file store at `dir`. */
function fileEvents(dir: string, count: number): { reached: Promise<void>; close(): void } {
  let seen = 0;
  let reach!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const watchers = shardsOf(dir).map((shard) => watch(join(dir, shard), () => void (++seen === count && reach())));
  return { reached, close: () => watchers.forEach((w) => w.close()) };
}

test("SIGKILL during thousands of file-store writes leaves only whole versions, and the store keeps working", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tessera-crash-"));
  try {
    const storage = createFileSessionStorage({ dir, cookie: { secrets: [SECRET_A], name: "sid" } });
    const cookies: string[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await storage.read(null);
      s.set("v", 0);
      s.set("blob", blob(0));
      cookies.push(cookiePair(await storage.save(s)));
    }
    const cookiesFile = join(dir, "cookies.json");
    writeFileSync(cookiesFile, JSON.stringify(cookies));

    let kills = 0;
    for (let i = 0; i < 6; i++) {
      const events = fileEvents(dir, KILL_AFTER + i * KILL_STEP);
      const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/file-writer.ts", dir, cookiesFile], {
        env: { ...process.env, SECRET: SECRET_A },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const exited = once(child, "exit");
      try {
        await Promise.race([events.reached, exited.then(() => Promise.reject(new Error("the writer stopped before it was killed")))]);
      } finally {
        events.close();
      }
      child.kill("SIGKILL");
      await exited;
      kills++;
    }
    assert.equal(kills, 6);

    // Every session file is one complete version: JSON that parses, with a matching blob.
    let files = 0;
    for (const shard of shardsOf(dir)) {
      for (const name of readdirSync(join(dir, shard)).filter((n) => n.endsWith(".json"))) {
        const body = JSON.parse(readFileSync(join(dir, shard, name), "utf8")) as { d: { v: number; blob: string } };
        assert.equal(body.d.blob, blob(body.d.v), `${name} holds a torn version`);
        files++;
      }
    }
    assert.equal(files, 20);

    // The store keeps working: each session reads, and updates go through despite any lock left behind.
    let writes = 0;
    for (const cookie of cookies) {
      const s = await storage.read(cookie);
      assert.equal(s.isNew, false);
      const v = Number(s.get("v"));
      assert.equal(s.get("blob"), blob(v));
      s.set("v", v + 1);
      s.set("blob", blob(v + 1));
      await storage.save(s);
      assert.equal((await storage.read(cookie)).get("v"), v + 1);
      writes += v;
    }
    assert.ok(writes > 100, `the killed writers got through ${writes} writes`);
    console.log(`# crash test: 6 SIGKILLs during ${writes} file-store writes`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
