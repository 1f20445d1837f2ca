import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SECRET_A, SECRET_B } from "../../../test/helpers.js";
import { lines, runScript } from "../../../test/isolated.js";
import { SessionConfigError } from "../errors.js";
import { createCookieSessionStorage } from "../engine/cookie-storage.js";
import { createCookie } from "./cookie.js";
import { PLACEHOLDERS, validateSecrets } from "./secrets.js";

/**
 * Runs each of `calls` (expressions over `createCookieSessionStorage`) in a
 * process with NODE_ENV=production, and tells for each "created", or the error
 * it threw as "Name: message".
 */
async function inProduction(calls: string[]): Promise<string[]> {
  const run = await runScript(
    import.meta.url,
    `
    import { createCookieSessionStorage } from "../engine/cookie-storage.js";
    const attempt = (make) => {
      try {
        make();
        return "created";
      } catch (e) {
        return \`\${e.name}: \${e.message}\`;
      }
    };
    console.log(JSON.stringify([${calls.map((call) => `attempt(() => ${call})`).join(", ")}]));
    `,
    { NODE_ENV: "production" },
  );
  assert.deepEqual({ code: run.code, stderr: run.stderr }, { code: 0, stderr: "" });
  return JSON.parse(run.stdout) as string[];
}

/** Random-looking text of 40 characters, none of them a word separator. */
const RUN = "q9Vf3kLx8Rz2Wm7Tb4Yh1Nc6Pd0Sg5JkZt7Hq2Mv";

describe("secrets", () => {
  test("G3: empty, placeholder and short secrets are refused at creation", () => {
    for (const bad of ["", "secret", "keyboard cat", "x".repeat(31), "keyboard cat keyboard cat keyboard cat", "changeme-changeme-changeme-changeme", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]) {
      assert.throws(() => createCookie("sid", { secrets: [bad] }), SessionConfigError, JSON.stringify(bad));
    }
  });

  test("every placeholder, as a whole secret in any case, is refused as a placeholder", () => {
    for (const placeholder of PLACEHOLDERS) {
      for (const secret of [placeholder, placeholder.toUpperCase()]) {
        assert.throws(
          () => validateSecrets([secret]),
          { name: "SessionConfigError", message: `secrets[0] looks like a placeholder ("${placeholder}" as whole words): generate a real one with \`npx tessera secret\`` },
        );
      }
    }
  });

  test("every placeholder is refused as whole words inside a longer secret, even split across words", () => {
    for (const placeholder of PLACEHOLDERS) {
      const half = Math.ceil(placeholder.length / 2);
      const split = `${placeholder.slice(0, half).toUpperCase()}_${placeholder.slice(half)}`;
      for (const secret of [`${RUN}-${placeholder}`, `${placeholder}.${RUN}`, `${RUN} ${split} ${RUN}`]) {
        assert.throws(() => validateSecrets([secret]), new RegExp(`looks like a placeholder \\("${placeholder}" as whole words\\)`), secret);
      }
    }
    for (const [secret, placeholder] of [
      ["my-session-secret-change-me", "sessionsecret"],
      ["keyboard cat keyboard cat keyboard cat", "keyboardcat"],
      ["Change_Me.please.0f3a9c2e7b5d4a18", "changeme"],
      ["changeme-changeme-changeme-changeme", "changeme"],
    ]) {
      assert.throws(() => validateSecrets([secret]), new RegExp(`\\("${placeholder}" as whole words\\)`), secret);
    }
  });

  test("a placeholder inside a longer run of letters and digits is random text, not a placeholder", () => {
    for (const secret of [`${RUN}Todo`, `xTodo-${RUN}`, `${RUN}_exampleQ`, `Zt7Hq2Mv9-Lc4s3cr3tX_Nb1Wf6Ks3Pd5Gy0Je`, `${RUN}-password1`]) {
      assert.deepEqual(validateSecrets([secret]), [secret]);
    }
  });

  test("the generator's hex alphabet cannot spell any placeholder: each has a letter outside a-f", () => {
    for (const placeholder of PLACEHOLDERS) assert.match(placeholder, /[^0-9a-f]/, placeholder);
  });

  test("an entry is named by its place in the list as given, undefined entries counted", () => {
    assert.throws(() => createCookie("sid", { secrets: [undefined, "short"] }), { message: "secrets[1] is 5 bytes; secrets need at least 32: generate one with `npx tessera secret`" });
    assert.throws(() => createCookieSessionStorage({ cookie: { secrets: [undefined, SECRET_A, ""] } }), { message: "cookie.secrets[2] is empty: remove it; every secret must be a real key" });
  });

  test("G3: the message says how long the secret is and how to make one", () => {
    assert.throws(() => createCookie("sid", { secrets: ["short"] }), /secrets\[0\] is 5 bytes; secrets need at least 32: generate one with `npx tessera secret`/);
  });

  test("G4: null or empty entries are refused (no unsigned transition); an undefined one is left out, as by the storages", async () => {
    for (const bad of [null, ""]) {
      assert.throws(() => createCookie("sid", { secrets: [SECRET_A, bad as unknown as string] }), /secrets\[1\] is/);
    }
    assert.throws(() => createCookie("sid", { secrets: "one" as unknown as string[] }), /must be an array of strings/);
    const rotated = createCookie("sid", { secrets: [SECRET_A, undefined as unknown as string] });
    assert.equal(await createCookie("sid", { secrets: [SECRET_A] }).parse(await rotated.serialize("v")), "v");
  });

  test("createCookie takes secrets: [process.env.COOKIE_SECRET] with the variable unset: the development secret (signed, one warning), or a clear error in production", async () => {
    const run = await runScript(
      import.meta.url,
      `
      import { createCookie } from "./cookie.js";
      import { createCookieSessionStorage } from "../engine/cookie-storage.js";
      createCookieSessionStorage({ cookie: { secrets: [process.env.TESSERA_TEST_UNSET_SECRET] } });
      const theme = createCookie("theme", { secrets: [process.env.TESSERA_TEST_UNSET_SECRET] });
      createCookie("theme", { secrets: [process.env.TESSERA_TEST_UNSET_SECRET] });
      const other = createCookie("other", { secrets: [process.env.TESSERA_TEST_UNSET_SECRET] });
      const plain = createCookie("plain", { secrets: [] });
      const header = (await theme.serialize("dark")).split(";")[0];
      console.log(JSON.stringify({ signed: theme.isSigned && other.isSigned, plain: plain.isSigned, back: await theme.parse(header) }));
      `,
    );
    assert.deepEqual({ code: run.code, stdout: run.stdout }, { code: 0, stdout: '{"signed":true,"plain":false,"back":"dark"}\n' });
    // One line for the storages, and one for each cookie name: a storage that warned first does not hide a cookie's missing secret.
    const line = (who: string, why: string, values: string) =>
      `tessera: ${who} has only undefined entries (${why} unset?), using a random secret for this process only; ` +
      `${values} will not survive a restart. Set secrets before production (generate one with \`npx tessera secret\`).`;
    assert.deepEqual(lines(run.stderr), [
      line("cookie.secrets", "SESSION_SECRET", "sessions"),
      line('cookie "theme": secrets', "its variable", "values"),
      line('cookie "other": secrets', "its variable", "values"),
    ]);
    const production = await runScript(
      import.meta.url,
      `
      import { createCookie } from "./cookie.js";
      try { createCookie("theme", { secrets: [process.env.TESSERA_TEST_UNSET_SECRET] }); console.log("created"); } catch (e) { console.log(e.name + ": " + e.message); }
      `,
      { NODE_ENV: "production" },
    );
    assert.equal(
      production.stdout,
      'SessionConfigError: cookie "theme": secrets has no secret: every entry is undefined (is its variable set in this environment?); generate one with `npx tessera secret`\n',
    );
  });

  test("a storage without secrets outside production uses one per-process secret and warns once", async () => {
    // A process of its own: the per-process secret and its warning are made once per process.
    const run = await runScript(
      import.meta.url,
      `
      import { createCookieSessionStorage } from "../engine/cookie-storage.js";
      const a = createCookieSessionStorage();
      const b = createCookieSessionStorage();
      console.log(JSON.stringify({ signed: a.cookie.isSigned && b.cookie.isSigned }));
      `,
    );
    assert.deepEqual({ code: run.code, stdout: run.stdout }, { code: 0, stdout: '{"signed":true}\n' });
    const warnings = lines(run.stderr);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /random secret for this process only; sessions will not survive a restart/);
  });

  test("a storage without secrets in production is a configuration error", async () => {
    const outcomes = await inProduction([
      "createCookieSessionStorage()",
      "createCookieSessionStorage({ cookie: { secrets: [] } })",
      `createCookieSessionStorage({ cookie: { secrets: [${JSON.stringify(SECRET_A)}, ${JSON.stringify(SECRET_B)}] } })`,
    ]);
    assert.equal(outcomes.length, 3);
    assert.match(outcomes[0]!, /cookie.secrets is required in production/);
    assert.match(outcomes[1]!, /cookie.secrets is required in production/);
    assert.equal(outcomes[2], "created");
  });

  test("a storage takes secrets: [process.env.SESSION_SECRET] with the variable unset: the development secret, or a clear error in production", async () => {
    const unset = process.env.TESSERA_TEST_UNSET_SECRET;
    assert.equal(unset, undefined);
    assert.ok(createCookieSessionStorage({ cookie: { secrets: [unset as unknown as string] } }).cookie.isSigned);
    const rotated = createCookieSessionStorage({ cookie: { secrets: [SECRET_A, unset as unknown as string], name: "s" } });
    const plain = createCookieSessionStorage({ cookie: { secrets: [SECRET_A], name: "s" } });
    assert.equal(rotated.cookie.isSigned, true);
    const session = await rotated.read(null);
    session.set("a", 1);
    const value = (await rotated.save(session))!.split(";")[0]!;
    assert.equal((await plain.read(value)).get("a"), 1, "an unset older secret is simply left out");
    const [outcome] = await inProduction(["createCookieSessionStorage({ cookie: { secrets: [process.env.TESSERA_TEST_UNSET_SECRET] } })"]);
    assert.match(
      outcome!,
      /cookie.secrets has no secret: every entry is undefined \(is SESSION_SECRET set in this environment\?\)/,
    );
    for (const bad of [null, ""]) {
      assert.throws(() => createCookieSessionStorage({ cookie: { secrets: [SECRET_A, bad as unknown as string] } }), /cookie.secrets\[1\] is/, "null and empty are set, and wrong");
    }
  });
});
