#!/usr/bin/env node
/**
 * The `necrostack` command. Commands are listed in {@link COMMANDS} and each is imported only
 * when it runs, so starting one never loads what another needs (ioredis, the ETL demo, ...).
 * To add a command: one entry in the table and one module in `src/cli/`.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type CliIO,
  type CommandEntry,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  findCommand,
  listCommands,
  processIO,
} from "./cli/command.js";
import { didYouMean, UsageError } from "./cli/usage-error.js";
import { InvalidOptionError, NecroStackError } from "./core/errors.js";
import { maskSecrets } from "./utils/redact.js";

/** The commands, in the order --help lists them. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  demo: {
    summary: "run a demo pipeline on the in-memory backend (seance, etl)",
    load: async () => (await import("./cli/demo.js")).runDemo,
  },
  worker: {
    summary: "run the organs of a module on a Redis stream or PostgreSQL until SIGTERM/SIGINT",
    load: async () => (await import("./cli/worker.js")).runWorker,
  },
  enqueue: {
    summary: "add one event (or a file of them) to a Redis stream or PostgreSQL",
    load: async () => (await import("./cli/enqueue.js")).runEnqueue,
  },
  schema: {
    summary: "publish, check, list, show and export event schemas in a stream's registry",
    load: async () => (await import("./cli/schema.js")).runSchema,
  },
  postgres: {
    summary: "create or upgrade the PostgreSQL tables of streams (migrate), or check them (status)",
    load: async () => (await import("./cli/postgres.js")).runPostgres,
  },
  dashboard: {
    summary: "serve a web dashboard of streams, groups, pending, dead letters and events",
    load: async () => (await import("./cli/dashboard.js")).runDashboard,
  },
  bridge: {
    summary: "forward the events of a stream to another backend, each exactly once",
    load: async () => (await import("./cli/bridge.js")).runBridge,
  },
  trace: {
    summary: "show the causation tree of one event (and re-run it through organs with --rerun)",
    load: async () => (await import("./cli/trace.js")).runTrace,
  },
  replay: {
    summary:
      "re-deliver recorded events into a stream or a fresh group, or dry-run them through organs",
    load: async () => (await import("./cli/replay.js")).runReplay,
  },
};

/** Error codes meaning "called wrongly": printed with a pointer to --help, exit code 2. */
const USAGE_CODES: ReadonlySet<string> = new Set(["ERR_USAGE", "ERR_COMMAND_LINE"]);

export function mainHelp(): string {
  return [
    "NecroStack: events, organs and a spine.",
    "",
    "Usage: necrostack <command> [options]",
    "",
    "Commands:",
    ...listCommands(COMMANDS),
    "",
    "Options:",
    "  -h, --help      show this help",
    "  -V, --version   print the version",
    "",
    'Run "necrostack <command> --help" for a command\'s options.',
    "Quick start: necrostack demo seance",
    "",
    "Environment:",
    "  NECROSTACK_LOG_LEVEL   the level of the JSON log lines on stderr",
    "                         (fatal, error, warn, info, debug, trace, silent)",
    "",
    "Exit codes: 0 done, 1 the command failed, 2 the command line is wrong.",
    "",
  ].join("\n");
}

/** Runs the CLI on `argv` (without `node` and the script) and resolves its exit code. Never rejects. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === "--help" || name === "-h" || name === "help") {
      io.stdout(mainHelp());
      return EXIT_OK;
    }
    if (name === "--version" || name === "-V") {
      const { packageVersion } = await import("./cli/version.js");
      io.stdout(`${packageVersion()}\n`);
      return EXIT_OK;
    }
    if (name === undefined) {
      io.stderr(mainHelp());
      return EXIT_USAGE;
    }
    const command = findCommand(COMMANDS, name);
    if (command === undefined) {
      const what = name.startsWith("-") ? `Unknown option "${name}"` : `Unknown command "${name}"`;
      throw new UsageError(
        `necrostack: ${what}.${didYouMean(name, Object.keys(COMMANDS))}`,
        "necrostack --help",
      );
    }
    return await (await command.load())(rest, io);
  } catch (error) {
    return report(error, io);
  }
}

/**
 * Prints a failure as one line (two for usage errors) and picks the exit code. Everything printed
 * goes through maskSecrets: messages quote flag values and causes, and a stack trace quotes
 * whatever its error's message held.
 */
function report(error: unknown, io: CliIO): number {
  const print = (text: string): void => io.stderr(maskSecrets(text));
  if (error instanceof UsageError) {
    print(`${error.message}\nRun "${error.helpCommand}" for usage.\n`);
    return EXIT_USAGE;
  }
  if (error instanceof NecroStackError && USAGE_CODES.has(error.code)) {
    print(`${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof InvalidOptionError) {
    print(`necrostack: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof NecroStackError) {
    print(`necrostack: error: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  // Not one of ours: a bug, so the stack is worth showing.
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  print(`necrostack: unexpected error: ${detail}\n`);
  return EXIT_FAILURE;
}

/** Whether this module is the program node was started with (through a symlink, as npm installs bins). */
function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMainModule()) {
  // exitCode, not exit(): stdout may be a pipe still being written to.
  process.exitCode = await main(process.argv.slice(2), processIO());
}
