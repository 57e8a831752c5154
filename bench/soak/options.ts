/**
 * The soak's flags: their meaning, defaults and checks in one place.
 */
import { parseArgs } from "node:util";

export interface SoakOptions {
  /** Start events fed to the stream. */
  readonly events: number;
  /** Worker processes running at once. */
  readonly workers: number;
  /** One worker is killed with SIGKILL (and replaced) this often. */
  readonly killEveryMs: number;
  /** When Redis is killed and started again; undefined: once half the chains are complete. */
  readonly redisRestartAtMs: number | undefined;
  /** The whole run stops here, finished or not. */
  readonly timeoutMs: number;
  /** The run stops when no chain completed (and no entry was dead-lettered) for this long. */
  readonly stallMs: number;
  /** Each worker's `--concurrency`. */
  readonly concurrency: number;
  /** Each worker's `--claim-min-idle-ms`. */
  readonly claimMinIdleMs: number;
  /** Each worker's `--handler-failure-mode`. */
  readonly handlerFailureMode: string;
  /** How often each worker's RSS is read. */
  readonly rssEveryMs: number;
  /** Keep the temporary directory (worker logs, Redis data) instead of removing it. */
  readonly keep: boolean;
}

export const USAGE = `usage: npm run soak -- [options]   (or: tsx bench/soak/main.ts [options])

  --events N                start events to feed (default 1000000)
  --workers N               worker processes running at once (default 3)
  --kill-every-ms MS        SIGKILL one worker this often and start a new one (default 20000)
  --redis-restart-at-ms MS  SIGKILL Redis and start it again at this time
                            (default: once half of the chains are complete)
  --timeout-ms MS           stop the run here, finished or not (default 900000)
  --stall-ms MS             stop when nothing completes for this long (default 120000)
  --concurrency N           each worker's --concurrency (default 32)
  --claim-min-idle-ms MS    each worker's --claim-min-idle-ms (default 5000)
  --handler-failure-mode M  each worker's --handler-failure-mode (default nack)
  --rss-every-ms MS         how often worker RSS is sampled (default 5000)
  --keep                    keep the temporary directory (worker logs, Redis data)
  -h, --help                show this help
`;

const INTEGER_FLAGS = {
  events: 1_000_000,
  workers: 3,
  "kill-every-ms": 20_000,
  "timeout-ms": 900_000,
  "stall-ms": 120_000,
  concurrency: 32,
  "claim-min-idle-ms": 5_000,
  "rss-every-ms": 5_000,
} as const;

/** Parses `argv`; returns "help" for --help; throws on a bad flag, naming it. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      events: { type: "string" },
      workers: { type: "string" },
      "kill-every-ms": { type: "string" },
      "redis-restart-at-ms": { type: "string" },
      "timeout-ms": { type: "string" },
      "stall-ms": { type: "string" },
      concurrency: { type: "string" },
      "claim-min-idle-ms": { type: "string" },
      "handler-failure-mode": { type: "string" },
      "rss-every-ms": { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) return "help";
  const int = (name: keyof typeof INTEGER_FLAGS): number =>
    integer(name, values[name], INTEGER_FLAGS[name]);
  const restart = values["redis-restart-at-ms"];
  return {
    events: int("events"),
    workers: int("workers"),
    killEveryMs: int("kill-every-ms"),
    redisRestartAtMs:
      restart === undefined ? undefined : integer("redis-restart-at-ms", restart, 0),
    timeoutMs: int("timeout-ms"),
    stallMs: int("stall-ms"),
    concurrency: int("concurrency"),
    claimMinIdleMs: int("claim-min-idle-ms"),
    handlerFailureMode: values["handler-failure-mode"] ?? "nack",
    rssEveryMs: int("rss-every-ms"),
    keep: values.keep === true,
  };
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(
      `Expected \`--${name}\` to be a positive integer, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}
