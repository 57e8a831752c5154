/**
 * `necrostack replay`: re-delivers a stream's recorded events (replay() in the core) into a
 * stream (`--into`) or a fresh Redis consumer group (`--group`), or runs them through organs in
 * process (`--dry-run`, replay-dry-run.ts) to compare what they emit now with what they emitted
 * then.
 */
import type { Catalog } from "../core/catalog/catalog.js";
import type { StreamInspector } from "../core/inspect/inspector.js";
import { replay } from "../core/replay/replay.js";
import type { Selection } from "../core/replay/selection.js";
import type { ReplayTarget } from "../core/replay/target.js";
import type { CliIO } from "./command.js";
import { EXIT_FAILURE, EXIT_OK } from "./command.js";
import { type FlagSpec, integerFlag, parseFlags, stringFlag } from "./flags.js";
import {
  INSPECTOR_FLAGS,
  type InspectorConfig,
  inspectorConfig,
  openInspector,
} from "./inspector-url.js";
import { runDryRun } from "./replay-dry-run.js";
import { createReplayGroup } from "./replay-group.js";
import { progressBar, summaryText } from "./replay-output.js";
import { loadCatalogModule } from "./schema-catalog.js";
import { handleStopSignals } from "./stop-signals.js";
import { UsageError } from "./usage-error.js";

export const REPLAY_USAGE = `Usage: necrostack replay --backend URL --stream NAME [selection]
                         (--into STREAM | --group NAME | --dry-run --organs PATH) [options]

Re-delivers recorded events, oldest first, from the history the backend keeps (Redis: the
stream's entries, within its maxLen; PostgreSQL: the waiting rows and the archive of handled
ones, kept with --retention-ms). Says which part of the range is no longer kept.

Selection:
  --since TIME|ID      from this ISO-8601 time (2026-11-28T09:00:00Z) or entry id (included)
  --until TIME|ID      up to this time or entry id (included)
  --type A,B           only events of these types
  --correlation-id ID  only the chain of this event (it, and events carrying it as correlation-id)

Where to:
  --into STREAM        add copies to this stream on the same backend: each under a new id made
                       from the replay and the original, with the headers replayed-from (the
                       original id) and replay-id; resumable (run the same command again)
  --group NAME         Redis only: create the consumer group NAME on the stream itself,
                       positioned just before --since, so workers started with --group NAME
                       handle the range again (the original entries, nothing copied); only for
                       a range with no --until, --type or --correlation-id (use --into then)
  --dry-run            run the events through --organs in process: nothing is written; prints
                       what the organs emit now next to what they emitted then
  --organs PATH        with --dry-run: the organs module

Options:
  --backend URL        redis://..., rediss://..., postgres://... (default: $NECROSTACK_BACKEND_URL,
                       else $REDIS_URL)
  --redis URL          the same as --backend, for Redis URLs only
  --stream NAME        the stream read (default: necrostack:events on Redis, events on PostgreSQL)
  --dlq NAME           Redis only: its dead-letter stream (default: <stream>:dlq)
  --schema NAME        PostgreSQL only: the schema of the tables (default: necrostack)
  --rate N             at most N events per second (default: no limit)
  --batch-size N       events written per atomic step (default: 100; at most 1000)
  --replay-id ID       the replay's id (default: made from the stream, the selection and the
                       target, so the same command resumes)
  --catalog PATH       an event catalog module: events are upcast to their current version
  --max-len N          Redis only: trim the --into stream to about N entries
  --max-events N       with --dry-run: the most events run (default: 1000)
  --progress           draw the progress bar on stderr even when it is not a terminal
  --json               print the summary as JSON
  -h, --help           show this help

Exit codes: 0 done (with --dry-run: no difference), 1 failed, stopped before the end, or (with
--dry-run) the organs emit something else now, 2 bad flags.
`;

const FLAGS: FlagSpec = {
  ...INSPECTOR_FLAGS,
  since: { type: "string" },
  until: { type: "string" },
  type: { type: "string" },
  "correlation-id": { type: "string" },
  into: { type: "string" },
  group: { type: "string" },
  "dry-run": { type: "boolean" },
  organs: { type: "string" },
  rate: { type: "string" },
  "batch-size": { type: "string" },
  "replay-id": { type: "string" },
  catalog: { type: "string" },
  "max-len": { type: "string" },
  "max-events": { type: "string" },
  progress: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

const COMMAND = "replay";
const HELP = "necrostack replay --help";

/** Where a replay goes. */
export type ReplayDestination =
  | { readonly kind: "into"; readonly stream: string }
  | { readonly kind: "group"; readonly group: string }
  | { readonly kind: "dry-run"; readonly organs: string };

/** What `replay` was asked. */
export interface ReplayConfig {
  readonly source: InspectorConfig;
  readonly selection: Selection;
  readonly destination: ReplayDestination;
  readonly rate: number | undefined;
  readonly batchSize: number | undefined;
  readonly replayId: string | undefined;
  readonly catalog: string | undefined;
  readonly maxLen: number | undefined;
  readonly maxEvents: number | undefined;
  readonly progress: boolean;
  readonly json: boolean;
}

/** Parses the flags. Returns `"help"` for --help; throws UsageError for bad ones. */
export function parseReplayArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): ReplayConfig | "help" {
  const values = parseFlags(COMMAND, argv, FLAGS);
  if (values.help === true) return "help";
  const source = inspectorConfig(COMMAND, values, env);
  const text = (name: string) => stringFlag(COMMAND, values, name);
  const into = text("into");
  const group = text("group");
  const dry = values["dry-run"] === true;
  const chosen = [into !== undefined, group !== undefined, dry].filter(Boolean).length;
  if (chosen !== 1) {
    throw new UsageError(
      `necrostack replay: give exactly one of --into STREAM, --group NAME or --dry-run --organs PATH${chosen > 1 ? " (got more than one)" : ""}`,
      HELP,
    );
  }
  const organs = text("organs");
  if (dry && organs === undefined) {
    throw new UsageError(
      "necrostack replay: --dry-run needs the organs module: add --organs ./organs.js",
      HELP,
    );
  }
  if (!dry && organs !== undefined) {
    throw new UsageError("necrostack replay: --organs applies only with --dry-run", HELP);
  }
  const types = text("type")
    ?.split(",")
    .map((type) => type.trim());
  if (types?.some((type) => type === "")) {
    throw new UsageError(
      `necrostack replay: --type has an empty type in ${JSON.stringify(text("type"))}`,
      HELP,
    );
  }
  const selection: Selection = {
    since: text("since"),
    until: text("until"),
    types,
    correlationId: text("correlation-id"),
  };
  if (group !== undefined) {
    if (source.kind !== "redis") {
      throw new UsageError(
        "necrostack replay: --group needs a Redis stream (PostgreSQL has no consumer groups): use --into STREAM",
        HELP,
      );
    }
    const filters = (["until", "type", "correlation-id", "catalog", "rate"] as const).filter(
      (flag) => values[flag] !== undefined,
    );
    if (filters.length > 0) {
      throw new UsageError(
        `necrostack replay: --group replays a contiguous range of the stream as it is, and cannot apply ${filters.map((f) => `--${f}`).join(", ")}; use --into STREAM to copy the selected events into a stream, and run the workers on it`,
        HELP,
      );
    }
  }
  if (values["max-len"] !== undefined && (source.kind !== "redis" || into === undefined)) {
    throw new UsageError("necrostack replay: --max-len applies only with --into on Redis", HELP);
  }
  if (values["max-events"] !== undefined && !dry) {
    throw new UsageError("necrostack replay: --max-events applies only with --dry-run", HELP);
  }
  if (into !== undefined && into === source.stream) {
    throw new UsageError(
      `necrostack replay: --into names the stream read (${into}): every group on it would handle the copies; give another stream`,
      HELP,
    );
  }
  return {
    source,
    selection,
    destination:
      into !== undefined
        ? { kind: "into", stream: into }
        : group !== undefined
          ? { kind: "group", group }
          : { kind: "dry-run", organs: organs as string },
    rate: integerFlag(COMMAND, values, "rate", 1, 10_000_000),
    batchSize: integerFlag(COMMAND, values, "batch-size", 1, 1_000),
    replayId: text("replay-id"),
    catalog: text("catalog"),
    maxLen: integerFlag(COMMAND, values, "max-len", 1, Number.MAX_SAFE_INTEGER),
    maxEvents: integerFlag(COMMAND, values, "max-events", 1, 10_000),
    progress: values.progress === true,
    json: values.json === true,
  };
}

/** Runs `necrostack replay`. */
export async function runReplay(argv: readonly string[], io: CliIO): Promise<number> {
  const config = parseReplayArgs(argv, io.env);
  if (config === "help") {
    io.stdout(REPLAY_USAGE);
    return EXIT_OK;
  }
  const catalog: Catalog | undefined =
    config.catalog !== undefined
      ? (await loadCatalogModule(config.catalog, io.cwd)).catalog
      : undefined;
  if (config.destination.kind === "group")
    return createReplayGroup(config, config.destination.group, io);
  const inspector = await openInspector(config.source);
  try {
    if (config.destination.kind === "dry-run") {
      return await runDryRun(inspector, config, config.destination.organs, catalog, io);
    }
    return await runInto(inspector, config, config.destination.stream, catalog, io);
  } finally {
    await inspector.close();
  }
}

async function runInto(
  inspector: StreamInspector,
  config: ReplayConfig,
  stream: string,
  catalog: Catalog | undefined,
  io: CliIO,
): Promise<number> {
  const into = await openTarget(config, stream);
  const stop = new AbortController();
  const signals = handleStopSignals({
    onStop: () => stop.abort(),
    onForce: (reason, exitCode) => {
      io.stderr(`necrostack replay: ${reason}; exiting (the replay resumes from its last batch)\n`);
      process.exit(exitCode);
    },
    timeoutMs: 10_000,
  });
  const bar = config.progress || process.stderr.isTTY ? progressBar(io.stderr) : undefined;
  try {
    const summary = await replay({
      source: inspector,
      stream: config.source.stream,
      into,
      ...config.selection,
      replayId: config.replayId,
      catalog,
      rate: config.rate,
      batchSize: config.batchSize,
      signal: stop.signal,
      onProgress: bar?.update,
    });
    bar?.end();
    io.stdout(config.json ? `${JSON.stringify(summary, null, 2)}\n` : summaryText(summary));
    return summary.done ? EXIT_OK : EXIT_FAILURE;
  } finally {
    signals[Symbol.dispose]();
    await into.close();
  }
}

async function openTarget(config: ReplayConfig, stream: string): Promise<ReplayTarget> {
  if (config.source.kind === "postgres") {
    const { PostgresReplayTarget } = await import("../backends/postgres/replay-target.js");
    return new PostgresReplayTarget({
      url: config.source.url,
      stream,
      ...(config.source.schema !== undefined ? { schema: config.source.schema } : {}),
    });
  }
  const { RedisReplayTarget } = await import("../backends/redis/replay-target.js");
  return new RedisReplayTarget({
    redisUrl: config.source.url,
    stream,
    ...(config.maxLen !== undefined ? { maxLen: config.maxLen } : {}),
  });
}
