/**
 * `necrostack bridge`: forwards the events of a stream on one backend to a stream on another
 * (Redis to Redis, Redis to PostgreSQL, ...), each exactly once, until SIGTERM/SIGINT. For
 * migrations and hybrid set-ups. The backends' modules are imported only once their URLs chose
 * them.
 */
import { Bridge } from "../backends/routing/bridge.js";
import { ForwardTargetError } from "../backends/routing/errors.js";
import { createLogger, errorField } from "../core/logging.js";
import type { PostgresBackendOptions } from "../postgres.js";
import type { RedisBackendOptions } from "../redis.js";
import { inspectUrl } from "../utils/redact.js";
import {
  type BackendConfig,
  type BackendKind,
  type OpenedBackend,
  openBackend,
} from "./backend-url.js";
import type { CliIO } from "./command.js";
import { type FlagSpec, type FlagValues, integerFlag, parseFlags, stringFlag } from "./flags.js";
import { handleStopSignals } from "./stop-signals.js";
import { UsageError } from "./usage-error.js";

export const BRIDGE_USAGE = `Usage: necrostack bridge --from URL --to URL [options]

Forwards every event of a stream on one backend to a stream on another, each exactly once:
the target adds it unless it already holds its id (it remembers the latest 100,000 ids it
added this way), and only then is it acked on the source. A bridge killed at any point and
started again loses and doubles nothing. Runs until SIGTERM or SIGINT, then finishes the
forwards under way.

Options:
  --from URL             the source: redis://, rediss://, postgres:// or postgresql://
  --to URL               the target, the same schemes; it needs an idempotent enqueue
                         (Redis has one)
  --from-stream NAME     the source stream (default: necrostack:events on Redis, events on
                         PostgreSQL)
  --to-stream NAME       the target stream (default: the same defaults)
  --types PATTERNS       comma-separated event-type patterns, * matching any run of
                         characters (AUDIT_*,ORDER_PLACED): forward only these; the others
                         are acked in the bridge's consumer group and stay in the stream
                         for other groups (a Redis source only)
  --group NAME           Redis source: the bridge's consumer group, apart from the workers'
                         so they still get every event (default: necrostack-bridge); give
                         the workers' group to move events instead of copying them
  --consumer NAME        the bridge's consumer name (default: host-pid-random)
  --claim-min-idle-ms MS Redis source: how long an entry a dead bridge held stays pending
                         before this one takes it over (default: 30000)
  --concurrency N        forwards under way at once (default: 64)
  --shutdown-timeout-ms MS
                         how long a graceful stop may take before the process exits
                         anyway (default: 10000)
  -h, --help             show this help

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 the source stayed unreachable, 2 bad flags or a
target without an idempotent enqueue.
`;

const COMMAND = "bridge";
const HELP = "necrostack bridge --help";
const MAX_MS = 2_147_483_647;

const FLAGS: FlagSpec = {
  from: { type: "string" },
  to: { type: "string" },
  "from-stream": { type: "string" },
  "to-stream": { type: "string" },
  types: { type: "string" },
  group: { type: "string" },
  consumer: { type: "string" },
  "claim-min-idle-ms": { type: "string" },
  concurrency: { type: "string" },
  "shutdown-timeout-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
};

const SCHEMES: Readonly<Record<string, BackendKind>> = {
  "redis:": "redis",
  "rediss:": "redis",
  "postgres:": "postgres",
  "postgresql:": "postgres",
};

export interface BridgeConfig {
  readonly from: BackendConfig;
  readonly to: BackendConfig;
  readonly types: readonly string[] | undefined;
  readonly concurrency: number;
  readonly shutdownTimeoutMs: number;
}

/** Parses the bridge's flags. Returns `"help"` for --help; throws `UsageError`. */
export function parseBridgeArgs(argv: readonly string[]): BridgeConfig | "help" {
  const values = parseFlags(COMMAND, argv, FLAGS);
  if (values.help === true) return "help";
  const text = (name: string): string | undefined => stringFlag(COMMAND, values, name);
  const fromUrl = required(values, "from");
  const toUrl = required(values, "to");
  const fromKind = kindOf("--from", fromUrl);
  const toKind = kindOf("--to", toUrl);
  const typesText = text("types");
  const types = typesText?.split(",").map((pattern) => pattern.trim());
  if (types?.some((pattern) => pattern === "")) {
    throw new UsageError(
      `necrostack bridge: expected \`--types\` to be comma-separated patterns, got ${JSON.stringify(typesText)} (an empty one)`,
      HELP,
    );
  }
  if (fromKind === "postgres") {
    const redisOnly = ["types", "group", "claim-min-idle-ms"].filter(
      (flag) => values[flag] !== undefined,
    );
    if (redisOnly.length > 0) {
      throw new UsageError(
        `necrostack bridge: ${redisOnly.map((flag) => `--${flag}`).join(", ")} need${redisOnly.length === 1 ? "s" : ""} a Redis source: a PostgreSQL stream has no consumer groups, so the bridge takes every event of it`,
        HELP,
      );
    }
  }
  const consumer = text("consumer");
  const from = backendConfig(fromKind, fromUrl, text("from-stream"), {
    consumerGroup: text("group") ?? "necrostack-bridge",
    consumer,
    claimMinIdleMs: integerFlag(COMMAND, values, "claim-min-idle-ms", 1, MAX_MS),
  });
  const to = backendConfig(toKind, toUrl, text("to-stream"), { consumer });
  return {
    from,
    to,
    types,
    concurrency: integerFlag(COMMAND, values, "concurrency", 1, 10_000) ?? 64,
    shutdownTimeoutMs: integerFlag(COMMAND, values, "shutdown-timeout-ms", 1, MAX_MS) ?? 10_000,
  };
}

function required(values: FlagValues, name: string): string {
  const value = stringFlag(COMMAND, values, name);
  if (value === undefined) {
    throw new UsageError(
      `necrostack bridge: give the ${name === "from" ? "source" : "target"} with --${name} URL, such as redis://host:6379 or postgres://host:5432/db`,
      HELP,
    );
  }
  return value;
}

function kindOf(flag: string, url: string): BackendKind {
  const inspected = inspectUrl(url);
  if (!("shown" in inspected)) {
    throw new UsageError(
      `necrostack bridge: expected \`${flag}\` to be a URL such as redis://host:6379, got an ${inspected.kind} one (${inspected.reason}); it is not shown, as it may hold a password`,
      HELP,
    );
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase() ?? "";
  const kind = SCHEMES[scheme];
  if (kind === undefined) {
    throw new UsageError(
      `necrostack bridge: expected \`${flag}\` to be a redis://, rediss://, postgres:// or postgresql:// URL, got ${JSON.stringify(inspected.shown)}`,
      HELP,
    );
  }
  return kind;
}

function backendConfig(
  kind: BackendKind,
  url: string,
  stream: string | undefined,
  names: {
    consumerGroup?: string;
    consumer: string | undefined;
    claimMinIdleMs?: number | undefined;
  },
): BackendConfig {
  if (kind === "postgres") {
    const backend: PostgresBackendOptions = { url };
    if (stream !== undefined) backend.stream = stream;
    if (names.consumer !== undefined) backend.consumerName = names.consumer;
    return { postgresUrl: url, backend };
  }
  const backend: RedisBackendOptions = { redisUrl: url };
  if (stream !== undefined) backend.streamKey = stream;
  if (names.consumerGroup !== undefined) backend.consumerGroup = names.consumerGroup;
  if (names.claimMinIdleMs !== undefined) backend.claimMinIdleMs = names.claimMinIdleMs;
  if (names.consumer !== undefined) backend.consumerName = names.consumer;
  return { redisUrl: url, backend };
}

/**
 * Runs `necrostack bridge`; resolves 0 after a graceful stop, 1 when the source stayed
 * unreachable. Throws `UsageError` for bad flags. `exit` ends the process at once, on a second
 * signal or a stop past its deadline.
 */
export async function runBridge(
  argv: readonly string[],
  io: CliIO,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<number> {
  const config = parseBridgeArgs(argv);
  if (config === "help") {
    io.stdout(BRIDGE_USAGE);
    return 0;
  }
  const log = createLogger({ name: "necrostack.bridge" });
  const from = await openBackend(config.from, log);
  const to = await openBackend(config.to, log);
  const closeBoth = () => Promise.all([from.backend.close(), to.backend.close()]);
  let bridge: Bridge;
  try {
    bridge = new Bridge({
      from: from.backend,
      to: to.backend,
      ...(config.types === undefined ? {} : { types: config.types }),
      maxInFlight: config.concurrency,
      logger: log,
    });
  } catch (error) {
    await closeBoth();
    if (!(error instanceof ForwardTargetError)) throw error;
    throw new UsageError(
      `necrostack bridge: the target, ${describe(to)}, has no idempotent enqueue yet: a forward sent again after a crash would be added twice`,
      HELP,
      { cause: error },
    );
  }
  const stop = new AbortController();
  const signals = handleStopSignals({
    timeoutMs: config.shutdownTimeoutMs,
    onStop(signal) {
      log.info({ signal }, `Received ${signal}; finishing the forwards under way`);
      stop.abort();
    },
    onForce(reason, code) {
      log.error({ exit_code: code }, `Bridge ${reason}; exiting now`);
      exit(code);
    },
  });
  io.stdout(`necrostack bridge: forwarding ${describe(from)} to ${describe(to)}\n`);
  let code = 0;
  try {
    const metrics = await bridge.run(stop.signal);
    io.stdout(
      `necrostack bridge: stopped after forwarding ${metrics.forwarded} events (${metrics.copiesDropped} copies dropped by the target, ${metrics.skipped} of other types skipped)\n`,
    );
  } catch (error) {
    log.error({ error: errorField(error) }, `Bridge stopped on an error: ${errorField(error)}`);
    io.stderr(`necrostack bridge: ${errorField(error)}\n`);
    code = 1;
  }
  try {
    await closeBoth();
  } catch (error) {
    log.error({ error: errorField(error) }, `Closing the backends failed: ${errorField(error)}`);
    code = 1;
  }
  signals[Symbol.dispose]();
  return code;
}

function describe(opened: OpenedBackend): string {
  return `stream ${opened.stream} (${opened.scope}) at ${opened.target}`;
}
