/** `necrostack demo etl`: cleans and summarises a CSV file, the bundled sample by default. */
import { runEtl, SAMPLE_CSV } from "../apps/etl/main.js";
import { type CliIO, EXIT_OK } from "./command.js";
import { demoLogger } from "./demo-logger.js";
import { type FlagSpec, parseFlags, stringFlag } from "./flags.js";

const COMMAND = "demo etl";
const FLAGS: FlagSpec = {
  input: { type: "string", short: "i" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
};

export function etlHelp(): string {
  return [
    "Usage: necrostack demo etl [--input FILE.csv] [--verbose]",
    "",
    "Reads a CSV file and passes it through four organs on the in-memory backend:",
    "ETL_START -> RAW_DATA_LOADED -> DATA_CLEANED -> DATA_TRANSFORMED -> printed summary.",
    "",
    "  load       parses the file (RFC 4180: quoted fields may hold commas, quotes and line",
    "             breaks) and infers each column's kind: number, date (YYYY-MM-DD) or text",
    "  clean      trims cells and drops rows with the wrong number of fields, an empty cell,",
    "             or a cell that does not fit its column, saying which line and why",
    "  transform  sums, minimums, maximums and means of numbers, date ranges, value counts",
    "  summary    prints rows read, kept and dropped, and each column's aggregates",
    "",
    "Options:",
    "  -i, --input FILE.csv   the CSV file to read; its first row names the columns",
    `                         (default: the bundled sample, ${SAMPLE_CSV})`,
    "  -v, --verbose          log every step of the Spine as JSON lines on stderr",
    "  -h, --help             show this help",
    "",
    "Exit codes: 0 done, 1 the file is missing, unreadable or not valid CSV, 2 bad options.",
    "",
  ].join("\n");
}

export async function runEtlDemo(argv: readonly string[], io: CliIO): Promise<number> {
  const flags = parseFlags(COMMAND, argv, FLAGS);
  if (flags.help === true) {
    io.stdout(etlHelp());
    return EXIT_OK;
  }
  const input = stringFlag(COMMAND, flags, "input");
  await runEtl({
    ...(input === undefined ? {} : { input }),
    cwd: io.cwd,
    write: (line) => io.stdout(`${line}\n`),
    logger: demoLogger(flags.verbose === true, io),
  });
  return EXIT_OK;
}
