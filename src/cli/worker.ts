/**
 * `necrostack worker`: runs the organs of a module on a RedisBackend or a PostgresBackend (chosen
 * by the scheme of `--backend`) until SIGTERM or SIGINT, then stops gracefully. Many workers on
 * one stream share its events, each event going to one of them.
 */
import type { Backend } from "../core/backend.js";
import { createLogger, errorField, type Logger } from "../core/logging.js";
import { Spine } from "../core/spine.js";
import { HandlerFailureMode, type SpineOptions } from "../core/spine-options.js";
import { type BackendConfig, openBackend, workerBackendConfig } from "./backend-url.js";
import type { CliIO } from "./command.js";
import { type FlagSpec, integerFlag, parseFlags, stringFlag } from "./flags.js";
import { type HttpEndpointConfig, httpEndpointFlags } from "./http-endpoint-flags.js";
import { WorkerHttp } from "./http-endpoint-worker.js";
import { loadOrgansModule } from "./organs-module.js";
import { checkWorkerCatalog } from "./schema-worker.js";
import { handleStopSignals } from "./stop-signals.js";
import { UsageError } from "./usage-error.js";

export const WORKER_USAGE = `Usage: necrostack worker --organs MODULE --backend URL [options]

Runs the organs a module exports on a Redis stream or a PostgreSQL table, chosen by the scheme
of --backend, until SIGTERM or SIGINT. Start several workers on the same stream (and, on Redis,
the same --group) to share the work: each event goes to one of them, and the events of a worker
that dies are claimed by the others (on Redis after --claim-min-idle-ms, on PostgreSQL when
their lease expires, after --lease-ms).

MODULE exports its organs as a default array (instances or Organ subclasses, in routing order),
or as named exports (Organ subclasses or instances; routed in alphabetical order of their names).
It may also export a close() function, called once the worker has stopped, to close what the
organs opened (database pools, clients). A .ts module needs a TypeScript loader, such as
node --import tsx node_modules/necrostack/dist/cli.js worker --organs organs.ts

Options:
  --organs MODULE             path of the module with the organs, from the current directory
  --catalog MODULE            the event catalog (defineEvents) the Spine validates with; checked
                              against the stream's schema registry first: a conflict stops the
                              start, naming the fields that break (see necrostack schema --help)
  --backend URL               redis://[user:password@]host:port[/db], rediss://, or
                              postgres://[user:password@]host:port/db (or postgresql://)
                              (default: $NECROSTACK_BACKEND_URL, else $REDIS_URL)
  --redis URL                 the same as --backend, for Redis URLs only
  --stream NAME               stream: a Redis key (default: necrostack:events), or a
                              PostgreSQL table name such as orders (default: events)
  --consumer NAME             this worker's name (default: unique per process)
  --concurrency N             events in flight at once; order holds only at 1 (default: 1)
  --batch-size N              most entries held unacked, and so fetched per read (default: 64)
  --max-retries N             deliveries before an event is dead-lettered (default: 3)
  --handler-failure-mode M    log, store or nack (default: log)
  --handler-timeout-ms MS     time an async handler may take (default: 30000)
  --max-hops N                dead-letter an event more than N handling steps from the first
                              event of its chain: loop protection across workers (default: 100)
  --shutdown-timeout-ms MS    time a graceful stop may take before the worker exits 1
                              (default: 10000)
  --otel                      trace with OpenTelemetry (necrostack/otel): needs
                              @opentelemetry/api and an SDK the process registers first,
                              such as node --import ./tracing.mjs (see docs/tracing.md)
  --http [HOST:]PORT          serve GET /metrics (Prometheus), /healthz and /readyz on HOST
                              (default host: 127.0.0.1); needs prom-client (default: off)
  --http-token TOKEN          require Authorization: Bearer TOKEN on the endpoint
                              (default: $NECROSTACK_HTTP_TOKEN, else none)
  -h, --help                  show this help

Redis only:
  --group NAME                consumer group (default: necrostack)
  --claim-min-idle-ms MS      idle time before another worker may claim an entry (default: 30000)
  --claim-interval-ms MS      how often stale entries are looked for
                              (default: half of --claim-min-idle-ms, at most 5000)
  --dlq KEY                   dead-letter stream (default: <stream>:dlq)
  --max-len N                 trim the stream to about N entries when adding (default: off)
  --command-timeout-ms MS     time a Redis command may go unanswered before it fails
                              (default: 5000)
  --remove-idle-consumers-after-ms MS
                              remove consumers of the group that hold nothing and have been
                              idle this long (default: 3600000)
PostgreSQL only:
  --schema NAME               the schema holding the tables (default: necrostack)
  --lease-ms MS               how long a claimed row stays leased without renewal; renewed
                              every third of it while held (default: 30000)
  --poll-interval-ms MS       longest wait between looks at the table when no notification
                              comes (default: 1000)
  --retention-ms MS           keep handled events this long in the table <stream>_archive
                              (for replay and the dashboard), pruned in batches (default: 0,
                              no archive)
  --no-migrate                do not create or upgrade the tables: check their version and
                              fail naming \`necrostack postgres migrate\` when they are behind

Stopping: the first SIGTERM or SIGINT stops pulling, lets events in flight finish, flushes acks,
closes the connections and exits 0. A second signal exits at once (130 for SIGINT, 143 for
SIGTERM); events then in flight stay pending and another worker claims them.
Logs: JSON lines on stderr, level from NECROSTACK_LOG_LEVEL (default info).
`;

const FLAGS: FlagSpec = {
  organs: { type: "string" },
  catalog: { type: "string" },
  backend: { type: "string" },
  redis: { type: "string" },
  stream: { type: "string" },
  group: { type: "string" },
  consumer: { type: "string" },
  concurrency: { type: "string" },
  "batch-size": { type: "string" },
  "max-retries": { type: "string" },
  "claim-min-idle-ms": { type: "string" },
  "claim-interval-ms": { type: "string" },
  dlq: { type: "string" },
  "max-len": { type: "string" },
  "command-timeout-ms": { type: "string" },
  "remove-idle-consumers-after-ms": { type: "string" },
  schema: { type: "string" },
  "lease-ms": { type: "string" },
  "poll-interval-ms": { type: "string" },
  "retention-ms": { type: "string" },
  "no-migrate": { type: "boolean" },
  "handler-failure-mode": { type: "string" },
  "handler-timeout-ms": { type: "string" },
  "max-hops": { type: "string" },
  "shutdown-timeout-ms": { type: "string" },
  otel: { type: "boolean" },
  http: { type: "string" },
  "http-token": { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** The Spine options a worker takes from its flags. */
export type WorkerSpineOptions = Omit<SpineOptions, "organs" | "backend" | "logger">;

/** Everything the worker command was asked to do, checked; its backend as {@link BackendConfig}. */
export type WorkerConfig = WorkerRunConfig & BackendConfig;

/** What the worker was asked to do besides choosing its backend. */
export interface WorkerRunConfig {
  readonly organsModule: string;
  /** `--catalog`: the module exporting the catalog. Absent when off. */
  readonly catalogModule?: string;
  readonly spine: WorkerSpineOptions;
  readonly shutdownTimeoutMs: number;
  /** `--otel`: the Spine gets necrostack/otel's middleware and observer. Absent when off. */
  readonly otel?: true;
  /** `--http`: where the metrics and probes endpoint listens. Absent when off. */
  readonly http?: HttpEndpointConfig;
}

const COMMAND = "worker";
/** How long a stopped worker waits for the process to exit by itself before it exits. */
const EXIT_GRACE_MS = 1_000;
const HELP = "necrostack worker --help";
/** Bounds for the numeric flags: timers cannot wait longer than 2^31-1 ms. */
const MAX_COUNT = 100_000;
const MAX_MS = 2_147_483_647;

/** Parses the worker's flags. Returns `"help"` for --help; throws `UsageError`. */
export function parseWorkerArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): WorkerConfig | "help" {
  const values = parseFlags(COMMAND, argv, FLAGS);
  if (values.help === true) return "help";
  const organsModule = stringFlag(COMMAND, values, "organs");
  if (organsModule === undefined) {
    throw new UsageError(
      "necrostack worker: give the module that exports the organs with --organs ./organs.js",
      HELP,
    );
  }
  const backend = workerBackendConfig(COMMAND, values, env);
  const text = (name: string): string | undefined => stringFlag(COMMAND, values, name);
  const int = (name: string, min: number, max = MAX_COUNT): number | undefined =>
    integerFlag(COMMAND, values, name, min, max);

  const spine: WorkerSpineOptions = {
    // A worker runs until it is told to stop: maxSteps is off, loop protection is maxHops.
    maxSteps: Number.POSITIVE_INFINITY,
  };
  const maxHops = int("max-hops", 0, Number.MAX_SAFE_INTEGER);
  if (maxHops !== undefined) spine.maxHops = maxHops;
  const concurrency = int("concurrency", 1);
  if (concurrency !== undefined) spine.concurrency = concurrency;
  const mode = text("handler-failure-mode");
  if (mode !== undefined) spine.handlerFailureMode = failureMode(mode);
  const timeout = int("handler-timeout-ms", 1, MAX_MS);
  if (timeout !== undefined) spine.handlerTimeoutMs = timeout;

  return {
    organsModule,
    ...backend,
    spine,
    shutdownTimeoutMs: int("shutdown-timeout-ms", 1, MAX_MS) ?? 10_000,
    ...optional("catalogModule", text("catalog")),
    ...(values.otel === true ? { otel: true as const } : {}),
    ...httpConfig(httpEndpointFlags(COMMAND, values, env)),
  };
}

function httpConfig(http: HttpEndpointConfig | undefined): { http?: HttpEndpointConfig } {
  return http === undefined ? {} : { http };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** `--otel`: necrostack/otel's pair, loaded only here, on the SDK the process registered. */
async function startTracing(
  backend: Backend,
  log: Logger,
): Promise<Pick<SpineOptions, "middleware" | "observers">> {
  const { createTracing } = await import("../otel.js");
  const tracing = await createTracing({ backend });
  if (tracing.recording) log.info("Tracing with OpenTelemetry (--otel)");
  else {
    log.warn(
      "--otel: no OpenTelemetry SDK is registered in this process, so no span is recorded; register one before the worker starts, such as node --import ./tracing.mjs (see docs/tracing.md)",
    );
  }
  return { middleware: [tracing.middleware], observers: [tracing.observer] };
}

function failureMode(value: string): HandlerFailureMode {
  const modes: readonly string[] = Object.values(HandlerFailureMode);
  if (!modes.includes(value)) {
    throw new UsageError(
      `necrostack worker: expected \`--handler-failure-mode\` to be one of ${modes.join(", ")}, got ${JSON.stringify(value)}`,
      HELP,
    );
  }
  return value as HandlerFailureMode;
}

/**
 * Runs `necrostack worker`. Resolves with the exit code once the worker has stopped: 0 after a
 * graceful stop, 1 when the run failed (for example Redis stayed unreachable). Throws
 * `UsageError` for bad flags and `OrgansModuleError` when the organs cannot be loaded. `exit`
 * ends the process at once, on a second signal or a stop past its deadline.
 */
export async function runWorker(
  argv: readonly string[],
  io: CliIO,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<number> {
  const config = parseWorkerArgs(argv, io.env);
  if (config === "help") {
    io.stdout(WORKER_USAGE);
    return 0;
  }
  const { organs, close } = await loadOrgansModule(config.organsModule, io.cwd);
  const log = createLogger({ name: "necrostack.worker" });
  // The backend's module is imported only now, so Redis users never load pg, nor the reverse.
  const opened = await openBackend(config, log);
  const { backend, consumerName } = opened;
  // --catalog: checked against the stream's schema registry before anything starts.
  const catalog =
    config.catalogModule === undefined
      ? undefined
      : await checkWorkerCatalog(config.catalogModule, opened.registry, io, log).catch(
          async (error: unknown) => {
            await backend.close();
            throw error;
          },
        );
  let tracing: Pick<SpineOptions, "middleware" | "observers"> = {};
  if (config.otel === true) {
    try {
      tracing = await startTracing(backend, log);
    } catch (error) {
      await backend.close();
      throw error;
    }
  }
  // --http: the metrics observer (prom-client is loaded only then) and the endpoint.
  let http: WorkerHttp | undefined;
  if (config.http !== undefined) {
    http = await WorkerHttp.create(config.http, { backend, organs, log });
  }
  const observers = [...(tracing.observers ?? []), ...(http?.observers ?? [])];
  const spine = new Spine({
    ...config.spine,
    ...tracing,
    observers,
    organs,
    backend,
    logger: log,
    ...(catalog === undefined ? {} : { catalog }),
  });
  try {
    const url = await http?.listen();
    if (url !== undefined) {
      io.stdout(`necrostack worker: serving /metrics, /healthz and /readyz on ${url}\n`);
    }
  } catch (error) {
    await backend.close();
    throw error;
  }
  const where = `stream ${opened.stream} (${opened.scope}) at ${opened.target}`;

  const signals = handleStopSignals({
    timeoutMs: config.shutdownTimeoutMs,
    onStop(signal) {
      log.info({ signal }, `Received ${signal}; finishing events in flight`);
      http?.stopping();
      spine.stop();
    },
    onForce(reason, code) {
      log.error({ exit_code: code }, `Worker ${consumerName} ${reason}; exiting now`);
      exit(code);
    },
  });
  io.stdout(
    `necrostack worker ${consumerName}: listening on ${where} with ${organs.length} organ${
      organs.length === 1 ? "" : "s"
    } (${organs.map((o) => o.name).join(", ")})\n`,
  );
  let code = 0;
  try {
    const stats = await spine.run(undefined, { until: "stopped" });
    io.stdout(`necrostack worker ${consumerName}: stopped after ${stats.eventsProcessed} events\n`);
  } catch (error) {
    log.error({ error: errorField(error) }, `Worker stopped on an error: ${errorField(error)}`);
    io.stderr(`necrostack worker: ${errorField(error)}\n`);
    code = 1;
  }
  const release = async (what: string, step: () => unknown): Promise<void> => {
    try {
      await step();
    } catch (error) {
      log.error({ error: errorField(error) }, `Closing ${what} failed: ${errorField(error)}`);
      code = 1;
    }
  };
  await release("the backend", () => backend.close());
  await release("the HTTP endpoint", () => http?.close());
  if (close !== undefined) await release("the organs module (its close export)", close);
  signals[Symbol.dispose]();
  // A connection the organs opened and nothing closed would keep the process alive for ever.
  const linger = setTimeout(() => {
    log.warn(
      `Worker ${consumerName} stopped, but something the organs module opened keeps the process alive; exiting. Export a close() function from the module to release it.`,
    );
    exit(code);
  }, EXIT_GRACE_MS);
  linger.unref();
  return code;
}
