/**
 * `necrostack trace EVENT_ID`: the causation tree of one event, read from a stream and its dead
 * letters through the backend's inspector (traceEvent), as text or `--json`; with `--rerun
 * --organs`, its root handled again in process, step by step (trace-rerun.ts).
 */
import type { CausationNode } from "../core/inspect/causation-tree.js";
import { traceEvent } from "../core/inspect/trace.js";
import type { CliIO } from "./command.js";
import { EXIT_FAILURE, EXIT_OK } from "./command.js";
import { type FlagSpec, integerFlag, parseFlags, stringFlag } from "./flags.js";
import {
  INSPECTOR_FLAGS,
  type InspectorConfig,
  inspectorConfig,
  openInspector,
} from "./inspector-url.js";
import { loadOrgansModule } from "./organs-module.js";
import { runRerun } from "./trace-rerun.js";
import { renderTrace } from "./trace-tree.js";
import { UsageError } from "./usage-error.js";

export const TRACE_USAGE = `Usage: necrostack trace EVENT_ID --backend URL [--stream NAME] [options]

Shows the causation tree of one event: its root, every event caused (by which organ, when the
organs are given) with times, hops, attempts, and dead letters with their reasons. Read from the
stream (Redis: the entries kept; PostgreSQL: waiting rows and the archive of handled ones) and
its dead letters.

Options:
  --backend URL      redis://[user:password@]host:port[/db], rediss://, or
                     postgres://[user:password@]host:port/db (or postgresql://)
                     (default: $NECROSTACK_BACKEND_URL, else $REDIS_URL)
  --redis URL        the same as --backend, for Redis URLs only
  --stream NAME      the stream (default: necrostack:events on Redis, events on PostgreSQL)
  --dlq NAME         Redis only: the dead-letter stream (default: <stream>:dlq)
  --schema NAME      PostgreSQL only: the schema of the stream's tables (default: necrostack)
  --window N         entries searched in the stream, and in the dead letters (default: 100000)
  --organs PATH      the organs module: names the organ behind each event
  --json             print the tree as JSON, for tools
  --rerun            handle the tree's root again through --organs, in process (nothing is
                     written to the backend), and show where the new run departs from the
                     recorded one
  --step             with --rerun: pause for Enter between steps
  --max-steps N      with --rerun: the most events handled (default: 1000)
  -h, --help         show this help

Exit codes: 0 shown (with --rerun: and no departure), 1 not found, or the re-run departs,
2 bad flags.
`;

const FLAGS: FlagSpec = {
  ...INSPECTOR_FLAGS,
  window: { type: "string" },
  organs: { type: "string" },
  json: { type: "boolean" },
  rerun: { type: "boolean" },
  step: { type: "boolean" },
  "max-steps": { type: "string" },
  help: { type: "boolean", short: "h" },
};

const COMMAND = "trace";
const HELP = "necrostack trace --help";

/** What `trace` was asked. */
export interface TraceConfig {
  readonly eventId: string;
  readonly source: InspectorConfig;
  readonly window: number | undefined;
  readonly organs: string | undefined;
  readonly json: boolean;
  readonly rerun: boolean;
  readonly step: boolean;
  readonly maxSteps: number | undefined;
}

/** Parses the arguments. Returns `"help"` for --help; throws UsageError for bad ones. */
export function parseTraceArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): TraceConfig | "help" {
  const { positionals, rest } = splitPositionals(argv);
  const values = parseFlags(COMMAND, rest, FLAGS);
  if (values.help === true) return "help";
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "necrostack trace: give the id of the event to trace, such as necrostack trace 0b9d...-4f2a --backend redis://localhost:6379"
        : `necrostack trace: give one event id, got ${positionals.length} (${positionals.map((p) => JSON.stringify(p)).join(", ")})`,
      HELP,
    );
  }
  const rerun = values.rerun === true;
  const organs = stringFlag(COMMAND, values, "organs");
  if (rerun && organs === undefined) {
    throw new UsageError(
      "necrostack trace: --rerun needs the organs module: add --organs ./organs.js",
      HELP,
    );
  }
  for (const flag of ["step", "max-steps"] as const) {
    if (!rerun && values[flag] !== undefined) {
      throw new UsageError(`necrostack trace: --${flag} applies only with --rerun`, HELP);
    }
  }
  return {
    eventId: positionals[0] as string,
    source: inspectorConfig(COMMAND, values, env),
    window: integerFlag(COMMAND, values, "window", 1, 1_000_000),
    organs,
    json: values.json === true,
    rerun,
    step: values.step === true,
    maxSteps: integerFlag(COMMAND, values, "max-steps", 1, 10_000),
  };
}

/** Runs `necrostack trace`. */
export async function runTrace(argv: readonly string[], io: CliIO): Promise<number> {
  const config = parseTraceArgs(argv, io.env);
  if (config === "help") {
    io.stdout(TRACE_USAGE);
    return EXIT_OK;
  }
  const organsModule =
    config.organs !== undefined ? await loadOrgansModule(config.organs, io.cwd) : undefined;
  const inspector = await openInspector(config.source);
  try {
    const tree = await traceEvent(inspector, config.source.stream, config.eventId, {
      window: config.window,
    });
    if (tree === null) {
      io.stderr(
        `necrostack trace: event ${config.eventId} not found in the newest ${(config.window ?? 100_000).toLocaleString("en-US")} entries of ${config.source.stream} or of its dead letters (${inspector.kind} at ${inspector.target})\n`,
      );
      return EXIT_FAILURE;
    }
    const organs = organsModule?.organs ?? [];
    const organsOf = (type: string): string[] =>
      organs.filter((organ) => organ.listensTo.includes(type)).map((organ) => organ.name);
    if (!config.rerun) {
      if (config.json) {
        io.stdout(
          `${JSON.stringify(organsModule === undefined ? tree : { ...tree, organs: organsByNode(tree.nodes, organsOf) }, null, 2)}\n`,
        );
      } else {
        io.stdout(renderTrace(tree, organsModule === undefined ? undefined : organsOf));
      }
      return EXIT_OK;
    }
    if (!config.json) io.stdout(renderTrace(tree, organsOf));
    const departed = await runRerun(tree, organs, io, {
      json: config.json,
      step: config.step,
      maxSteps: config.maxSteps,
    });
    return departed ? EXIT_FAILURE : EXIT_OK;
  } finally {
    await inspector.close();
    await organsModule?.close?.();
  }
}

/** Per event id, the organs listening to its cause's type. */
function organsByNode(
  nodes: readonly CausationNode[],
  organsOf: (type: string) => string[],
): Record<string, string[]> {
  const typeOf = new Map(nodes.map((node) => [node.event.id, node.event.eventType]));
  const out: Record<string, string[]> = {};
  for (const node of nodes) {
    const parentType = node.parent === null ? undefined : typeOf.get(node.parent);
    if (parentType !== undefined) out[node.event.id] = organsOf(parentType);
  }
  return out;
}

/**
 * The command's positional arguments (the event id) apart from its flags: a string flag's value
 * is never taken for one.
 */
function splitPositionals(argv: readonly string[]): { positionals: string[]; rest: string[] } {
  const positionals: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-")) {
      positionals.push(arg);
      continue;
    }
    rest.push(arg);
    const name = arg.replace(/^--?/, "");
    const spec = FLAGS[name] ?? Object.values(FLAGS).find((flag) => flag.short === name);
    if (spec?.type === "string" && !arg.includes("=") && i + 1 < argv.length) {
      rest.push(argv[++i] as string);
    }
  }
  return { positionals, rest };
}
