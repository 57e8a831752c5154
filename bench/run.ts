/**
 * `npm run bench`: builds the package, runs every suite against `dist/`, prints a Markdown table
 * and writes `bench/results/<YYYY-MM-DD>.json` (and `.md`).
 *
 *   tsx bench/run.ts [--quick] [--only <suite>[,<suite>...]]
 *
 * `--quick` is a smoke run with small sizes; it writes no results file. `--only` writes
 * `<date>-<suites>.json` so a partial run never replaces a full one.
 */
import { fileURLToPath } from "node:url";
import core from "./core.js";
import dashboard from "./dashboard.js";
import demo from "./demo.js";
import { assertBuilt } from "./lib/built.js";
import {
  currentLoad,
  describeMachine,
  loadWarning,
  markdownTable,
  type SuiteRow,
  writeResults,
} from "./lib/report.js";
import type { BenchSuite } from "./lib/suite.js";
import metrics from "./metrics.js";
import postgres from "./postgres.js";
import redis from "./redis.js";
import replay from "./replay.js";
import routing from "./routing.js";
import schema from "./schema.js";
import tracing from "./tracing.js";
import trading from "./trading.js";

/** Every suite, in the order they run. Add a suite here. */
const SUITES: readonly BenchSuite[] = [
  core,
  redis,
  postgres,
  routing,
  trading,
  demo,
  metrics,
  tracing,
  schema,
  dashboard,
  replay,
];

const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));

interface CliOptions {
  quick: boolean;
  only: string[] | undefined;
}

function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { quick: false, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") options.quick = true;
    else if (arg === "--only" || arg?.startsWith("--only=")) {
      const value = arg === "--only" ? argv[++i] : arg.slice("--only=".length);
      if (value === undefined || value === "") {
        throw new Error(`--only needs a suite name (one of ${names()})`);
      }
      options.only = [...(options.only ?? []), ...value.split(",")];
    } else if (arg === "--help" || arg === "-h") {
      console.log(
        `usage: tsx bench/run.ts [--quick] [--only <suite>[,<suite>...]]\nsuites: ${names()}`,
      );
      process.exit(0);
    } else {
      throw new Error(
        `Unknown argument ${JSON.stringify(arg)}; expected --quick or --only <suite>`,
      );
    }
  }
  for (const name of options.only ?? []) {
    if (!SUITES.some((s) => s.name === name)) {
      throw new Error(`Unknown suite ${JSON.stringify(name)} in --only; suites: ${names()}`);
    }
  }
  return options;
}

function names(): string {
  return SUITES.map((s) => s.name).join(", ");
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  assertBuilt();
  const startedAt = new Date();
  const machine = describeMachine();
  console.log(
    `NecroStack benchmarks on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}, load average ${machine.loadAverage}${options.quick ? " (quick run)" : ""}`,
  );
  const rows: SuiteRow[] = [];
  const failed: string[] = [];
  for (const suite of SUITES) {
    if (options.only !== undefined && !options.only.includes(suite.name)) continue;
    const t0 = Date.now();
    console.log(`\n${suite.name}: running...`);
    try {
      const suiteRows = await suite.run({ quick: options.quick });
      for (const row of suiteRows) rows.push({ suite: suite.name, ...row });
      console.log(`${suite.name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      // One broken suite must not cost the others' figures: report it and fail at the end.
      failed.push(suite.name);
      console.error(`${suite.name}: failed:`, error);
      const message = error instanceof Error ? error.message : String(error);
      rows.push({
        suite: suite.name,
        metric: "suite failed",
        value: null,
        unit: "",
        note: message.split("\n")[0] ?? "",
      });
    }
  }
  console.log(`\n${markdownTable(rows)}\n`);
  const loadAtEnd = currentLoad();
  const warning = loadWarning(machine, loadAtEnd);
  if (warning !== undefined) console.log(`${warning}\n`);
  if (options.quick) {
    console.log("Quick run: no results file written.");
    if (failed.length > 0) process.exitCode = 1;
    return;
  }
  const date = startedAt.toISOString().slice(0, 10);
  const name = options.only === undefined ? date : `${date}-${options.only.join("-")}`;
  console.log(
    `Results written to ${writeResults(RESULTS_DIR, name, machine, rows, startedAt, loadAtEnd)}`,
  );
  if (failed.length > 0) {
    console.error(`Failed suites: ${failed.join(", ")}`);
    process.exitCode = 1;
  }
}

await main();
