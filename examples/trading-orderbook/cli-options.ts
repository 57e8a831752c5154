/**
 * The command-line flags of main.ts, parsed and checked in one place.
 */
import { parseArgs } from "node:util";
import { NecroStackError } from "necrostack";

export const USAGE = `Usage: npm run example:trading -- [mode] [options]

Modes (default: the demo):
  --file <orders.json|orders.csv>   run the orders of a file
  --interactive, -i                 type orders: BUY 100 AAPL @ 150.50, SELL 50 TSLA MKT,
                                    cancel <id>, book <symbol>, stats, quit
  --stress                          random orders, then orders/s and events/s

Options:
  --orders <n>        stress: how many orders (default 10000)
  --seed <n>          seed of the random orders and of the clearing house (default 1; demo 3)
  --no-latency        the clearing house answers at once and never hangs
  --trader <id>       interactive: your trader id (default "you")
  --backend <memory|redis>          (default memory)
  --redis <url>       redis: the server (default redis://127.0.0.1:6379)
  --workers <n>       redis: workers, each owning a share of the symbols (default 2)
  --stream <prefix>   redis: stream key prefix (default trading)
  --json              print the summary as one JSON line instead of text
  --quiet             no ticker lines
  --help, -h          this text`;

export type Mode = "demo" | "file" | "interactive" | "stress";

export interface CliOptions {
  readonly mode: Mode;
  readonly file: string | undefined;
  readonly orders: number;
  /** Unset: each mode's own (the demo's is chosen so every failure path shows). */
  readonly seed: number | undefined;
  readonly latency: boolean;
  readonly trader: string;
  readonly backend: "memory" | "redis";
  readonly redisUrl: string;
  readonly workers: number;
  readonly stream: string;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly help: boolean;
}

/** A flag is unknown, missing its value, or has a value out of range. */
export class CliUsageError extends NecroStackError {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`, "ERR_USAGE");
  }
}

export function parseCliOptions(argv: readonly string[]): CliOptions {
  let values: ReturnType<typeof parse>["values"];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  const modes = [values.file !== undefined, values.interactive === true, values.stress === true];
  if (modes.filter(Boolean).length > 1) {
    throw new CliUsageError("Choose one mode: --file, --interactive or --stress");
  }
  const mode: Mode =
    values.file !== undefined
      ? "file"
      : values.interactive
        ? "interactive"
        : values.stress
          ? "stress"
          : "demo";
  const backend = values.backend ?? "memory";
  if (backend !== "memory" && backend !== "redis") {
    throw new CliUsageError(
      `Expected --backend to be "memory" or "redis", got ${JSON.stringify(backend)}`,
    );
  }
  if (backend === "redis" && mode === "interactive") {
    throw new CliUsageError("--interactive runs in memory only; drop --backend redis");
  }
  return {
    mode,
    file: values.file,
    orders: positiveInt("--orders", values.orders, 10_000),
    seed: values.seed === undefined ? undefined : positiveInt("--seed", values.seed, 1),
    latency: values["no-latency"] !== true,
    trader: values.trader ?? "you",
    backend,
    redisUrl: values.redis ?? "redis://127.0.0.1:6379",
    workers: positiveInt("--workers", values.workers, 2),
    stream: values.stream ?? "trading",
    json: values.json === true,
    quiet: values.quiet === true,
    help: values.help === true,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      file: { type: "string" },
      interactive: { type: "boolean", short: "i" },
      stress: { type: "boolean" },
      orders: { type: "string" },
      seed: { type: "string" },
      "no-latency": { type: "boolean" },
      trader: { type: "string" },
      backend: { type: "string" },
      redis: { type: "string" },
      workers: { type: "string" },
      stream: { type: "string" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new CliUsageError(
      `Expected ${flag} to be a positive whole number, got ${JSON.stringify(text)}`,
    );
  }
  return Number(text);
}
