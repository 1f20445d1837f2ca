#!/usr/bin/env node
// The `tessera` command: secret, inspect, purge, sessions.
import { parseArgs } from "node:util";
import { CliError } from "./fail.js";
import { inspect, inspectHelp } from "./inspect.js";
import { purge, purgeHelp } from "./purge.js";
import { failureReason } from "./reason.js";
import { secret, secretHelp } from "./secret.js";
import { sessions, sessionsHelp } from "./sessions.js";

const HELP = `tessera — session management tools

  tessera secret                     print a new secret
  tessera inspect <cookie> --secret  check and decode a session cookie
  tessera purge --store <store>      delete expired sessions
  tessera sessions --store <store> --user <id> [--revoke]

  <store> is file:DIR, redis://HOST:PORT or postgres://USER@HOST/DB.
  Run \`tessera <command> --help\` for each command.`;

const HELPS: Record<string, string> = { secret: secretHelp, inspect: inspectHelp, purge: purgeHelp, sessions: sessionsHelp };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    console.log(HELP);
    return 0;
  }
  if (!Object.hasOwn(HELPS, command)) throw new CliError(`unknown command ${JSON.stringify(command)}: use secret, inspect, purge or sessions`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: command === "inspect",
      options: {
        help: { type: "boolean", short: "h" },
        secret: { type: "string", multiple: true },
        store: { type: "string" },
        user: { type: "string" },
        revoke: { type: "boolean" },
        prefix: { type: "string" },
        table: { type: "string" },
      },
    });
  } catch (error) {
    throw new CliError(`${command}: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELPS[command]);
    return 0;
  }
  const storeOptions = { prefix: values.prefix, table: values.table };
  switch (command) {
    case "secret":
      secret();
      return 0;
    case "inspect":
      return inspect(positionals[0], values.secret ?? []);
    case "purge":
      return purge(values.store, storeOptions);
    default:
      return sessions(values.store, values.user, values.revoke ?? false, storeOptions);
  }
}

// A reader that stopped early (`| head`) has all it wanted: stop there, quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // Only the CLI's own words: a driver's message or stack can carry a host or a password.
    process.stderr.write(`tessera: ${error instanceof CliError ? error.message : `unexpected failure: ${failureReason(error)}`}\n`);
    process.exitCode = error instanceof CliError ? error.code : 1;
  },
);
