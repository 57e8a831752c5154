/** `necrostack demo <name>`: runs one of the demo pipelines, each loaded only when chosen. */
import {
  type CliIO,
  type CommandEntry,
  EXIT_OK,
  EXIT_USAGE,
  findCommand,
  listCommands,
} from "./command.js";
import { didYouMean, UsageError } from "./usage-error.js";

/** The demos. Adding one is an entry here and a module next to this one. */
const DEMOS: Readonly<Record<string, CommandEntry>> = {
  seance: {
    summary: "SUMMON_RITUAL -> SPIRIT_APPEARED -> ANSWER_GENERATED -> OMEN_REVEALED: a séance",
    load: async () => (await import("./demo-seance.js")).runSeanceDemo,
  },
  etl: {
    summary: "ETL_START -> RAW_DATA_LOADED -> DATA_CLEANED -> DATA_TRANSFORMED: a CSV summary",
    load: async () => (await import("./demo-etl.js")).runEtlDemo,
  },
};

export function demoHelp(): string {
  return [
    "Usage: necrostack demo <name> [options]",
    "",
    "Runs a demo pipeline of organs on the in-memory backend and prints what happened.",
    "",
    "Demos:",
    ...listCommands(DEMOS),
    "",
    'Run "necrostack demo <name> --help" for a demo\'s options.',
    "",
    "Output: the demo's story or summary goes to stdout. The Spine's JSON log lines go to stderr,",
    "only warnings and errors by default; --verbose logs every step, and NECROSTACK_LOG_LEVEL",
    "(fatal, error, warn, info, debug, trace, silent) picks any level.",
    "",
  ].join("\n");
}

export async function runDemo(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h") {
    io.stdout(demoHelp());
    return EXIT_OK;
  }
  if (name === undefined) {
    io.stderr(demoHelp());
    return EXIT_USAGE;
  }
  const demo = findCommand(DEMOS, name);
  if (demo === undefined) {
    const what = name.startsWith("-") ? `Unknown option "${name}"` : `Unknown demo "${name}"`;
    throw new UsageError(
      `necrostack demo: ${what}.${didYouMean(name, Object.keys(DEMOS))} The demos are: ${Object.keys(DEMOS).join(", ")}.`,
      "necrostack demo --help",
    );
  }
  return (await demo.load())(rest, io);
}
