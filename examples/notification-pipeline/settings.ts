/**
 * The command line: flags, their defaults, and the one place they are checked. A bad flag is an
 * InputError naming the flag and what it got.
 */
import { parseArgs } from "node:util";
import { InputError } from "./errors.js";
import type { EmailSenderOptions } from "./organs/email-sender.js";

export type Mode = "demo" | "file" | "interactive" | "stress";

export interface Settings {
  mode: Mode;
  file: string | undefined;
  count: number;
  email: EmailSenderOptions;
  /** Events in flight at once per process (email backoffs wait without blocking others). */
  concurrency: number;
  backend: "memory" | "redis";
  redisUrl: string;
  workers: number;
  /** Set in the worker processes the Redis mode starts; names the run's stream. */
  worker: string | undefined;
  /** Print the summary as one JSON line as well. */
  json: boolean;
  /** Skip the per-notification audit lines. */
  quiet: boolean;
  logLevel: "silent" | "error" | "warn" | "info" | "debug";
  /** How long the Redis mode waits for every notification to settle. */
  timeoutMs: number;
}

export const USAGE = `Usage: npm run example:notifications -- [mode] [options]

Modes (default: a demo on built-in samples)
  --file PATH              read requests from a .json or .csv file
  --interactive            type requests at a prompt; "send" runs them
  --stress [--count N]     generate N requests (default 1000) and print throughput

Options
  --seed N                 seeds the simulated email failures (default 42)
  --email-failure-rate R   share of email attempts that fail, 0..1 (default 0.3)
  --max-email-attempts N   email attempts before EMAIL_FAILED (default 4)
  --backoff-ms N           first email retry delay, doubling after (default 20; 0 in --stress)
  --concurrency N          events in flight per process (default 64)
  --backend memory|redis   where events wait (default memory)
  --redis URL              Redis URL for --backend redis (default redis://127.0.0.1:6379)
  --workers N              worker processes for --backend redis (default 2)
  --timeout-ms N           how long --backend redis waits for the run (default 60000)
  --json                   also print the summary as one JSON line
  --quiet                  no audit lines
  --log-level LEVEL        NecroStack's JSON logs on stderr: silent|error|warn|info|debug
  --help                   this text`;

const LOG_LEVELS = ["silent", "error", "warn", "info", "debug"] as const;

export function parseSettings(argv: readonly string[]): Settings | "help" {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new InputError(`${(error as Error).message}\n\n${USAGE}`, { cause: error });
  }
  if (values.help === true) return "help";
  const modes = (["file", "interactive", "stress"] as const).filter(
    (name) => values[name] !== undefined && values[name] !== false,
  );
  if (modes.length > 1) {
    throw new InputError(`Choose one mode, got ${modes.map((m) => `--${m}`).join(" and ")}`);
  }
  const mode: Mode = modes[0] ?? "demo";
  if (values.count !== undefined && mode !== "stress") {
    throw new InputError("`--count` needs `--stress`");
  }
  const backend = values.backend ?? "memory";
  if (backend !== "memory" && backend !== "redis") {
    throw new InputError(`Expected \`--backend\` to be memory or redis, got \`${backend}\``);
  }
  if (values.worker !== undefined && backend !== "redis") {
    throw new InputError("`--worker` is for the processes `--backend redis` starts");
  }
  if (backend === "redis" && mode === "interactive") {
    throw new InputError("`--interactive` runs in memory only; drop `--backend redis`");
  }
  const logLevel = values["log-level"] ?? "silent";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new InputError(
      `Expected \`--log-level\` to be one of ${LOG_LEVELS.join(", ")}, got \`${logLevel}\``,
    );
  }
  return {
    mode,
    file: values.file,
    count: integer("count", values.count, 1_000, 1),
    email: {
      seed: integer("seed", values.seed, 42, 0),
      failureRate: rate("email-failure-rate", values["email-failure-rate"], 0.3),
      maxAttempts: integer("max-email-attempts", values["max-email-attempts"], 4, 1),
      backoffMs: integer("backoff-ms", values["backoff-ms"], mode === "stress" ? 0 : 20, 0),
    },
    concurrency: integer("concurrency", values.concurrency, 64, 1),
    backend,
    redisUrl: values.redis ?? "redis://127.0.0.1:6379",
    workers: integer("workers", values.workers, 2, 1),
    worker: values.worker,
    json: values.json === true,
    quiet: values.quiet === true,
    logLevel: logLevel as Settings["logLevel"],
    timeoutMs: integer("timeout-ms", values["timeout-ms"], 60_000, 1),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      file: { type: "string" },
      interactive: { type: "boolean" },
      stress: { type: "boolean" },
      count: { type: "string" },
      seed: { type: "string" },
      "email-failure-rate": { type: "string" },
      "max-email-attempts": { type: "string" },
      "backoff-ms": { type: "string" },
      concurrency: { type: "string" },
      backend: { type: "string" },
      redis: { type: "string" },
      workers: { type: "string" },
      worker: { type: "string" },
      "timeout-ms": { type: "string" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
      "log-level": { type: "string" },
      help: { type: "boolean" },
    },
  });
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new InputError(`Expected \`--${flag}\` to be an integer >= ${min}, got \`${raw}\``);
  }
  return value;
}

function rate(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InputError(`Expected \`--${flag}\` to be a number from 0 to 1, got \`${raw}\``);
  }
  return value;
}
