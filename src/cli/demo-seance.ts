/** `necrostack demo seance`: the Séance, told on stdout. */
import { DEFAULT_QUESTION, DEFAULT_SPIRIT, runSeance } from "../apps/seance/main.js";
import { type CliIO, EXIT_OK } from "./command.js";
import { demoLogger } from "./demo-logger.js";
import { type FlagSpec, integerFlag, parseFlags, stringFlag } from "./flags.js";

const COMMAND = "demo seance";
const FLAGS: FlagSpec = {
  spirit: { type: "string", short: "s" },
  question: { type: "string", short: "q" },
  seed: { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
};

export function seanceHelp(): string {
  return [
    "Usage: necrostack demo seance [--spirit NAME] [--question TEXT] [--seed N] [--verbose]",
    "",
    "Holds a séance: four organs pass SUMMON_RITUAL -> SPIRIT_APPEARED -> ANSWER_GENERATED ->",
    "OMEN_REVEALED through a Spine on the in-memory backend, and the last one tells the story.",
    "The same spirit, question and seed always tell the same séance.",
    "",
    "Options:",
    `  -s, --spirit NAME      whom to call (default: "${DEFAULT_SPIRIT}")`,
    `  -q, --question TEXT    what to ask (default: "${DEFAULT_QUESTION}")`,
    "      --seed N           an integer from 0 to 4294967295 choosing the sign, answer and omen",
    "                         (default: derived from the spirit and the question)",
    "  -v, --verbose          log every step of the Spine as JSON lines on stderr",
    "  -h, --help             show this help",
    "",
    "Example: necrostack demo seance --spirit 'Edgar Allan Poe' --question 'Will it rain?'",
    "",
  ].join("\n");
}

export async function runSeanceDemo(argv: readonly string[], io: CliIO): Promise<number> {
  const flags = parseFlags(COMMAND, argv, FLAGS);
  if (flags.help === true) {
    io.stdout(seanceHelp());
    return EXIT_OK;
  }
  const spirit = stringFlag(COMMAND, flags, "spirit");
  const question = stringFlag(COMMAND, flags, "question");
  const seed = integerFlag(COMMAND, flags, "seed", 0, 0xffff_ffff);
  await runSeance({
    ...(spirit === undefined ? {} : { spirit }),
    ...(question === undefined ? {} : { question }),
    ...(seed === undefined ? {} : { seed }),
    write: (line) => io.stdout(`${line}\n`),
    logger: demoLogger(flags.verbose === true, io),
  });
  return EXIT_OK;
}
