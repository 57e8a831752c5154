/**
 * `necrostack postgres`: the PostgreSQL tables of streams, for teams that run migrations
 * themselves (their backends set `migrate: false`). `migrate` creates or upgrades them; `status`
 * reports their versions and exits 1 when one is behind, for a deploy script to check.
 */
import type { StreamSchemaState } from "../backends/postgres/migrate-streams.js";
import { maskUrl } from "../utils/redact.js";
import { backendUrlFlag } from "./backend-url.js";
import { type CliIO, EXIT_FAILURE, EXIT_OK } from "./command.js";
import { type FlagSpec, parseFlags, stringFlag } from "./flags.js";
import { didYouMean, UsageError } from "./usage-error.js";

export const POSTGRES_USAGE = `Usage: necrostack postgres <migrate|status> --url URL [options]

The tables of PostgreSQL streams (one table of events, one of dead letters and one archive per
stream, in one schema). Backends create them on first use; with \`migrate: false\` they only
check the version, and these commands create and upgrade them instead.

Subcommands:
  migrate    create or upgrade the streams' tables to the version this package needs
  status     print each stream's version; exit 1 when one is missing or behind

Options:
  --url URL        postgres://[user:password@]host:5432/db, or postgresql://
                   (default: $NECROSTACK_BACKEND_URL); --backend is the same flag
  --schema NAME    the schema the tables live in (default: necrostack)
  --stream A,B     the streams, comma-separated (default: every stream the schema records)
  -h, --help       show this help

Exit codes: 0 done, 1 PostgreSQL failed (or, for status, a stream is behind), 2 bad flags.
`;

const HELP = "necrostack postgres --help";
const SUBCOMMANDS = ["migrate", "status"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const FLAGS: FlagSpec = {
  url: { type: "string" },
  backend: { type: "string" },
  schema: { type: "string" },
  stream: { type: "string" },
  help: { type: "boolean", short: "h" },
};

export interface PostgresCommandConfig {
  readonly subcommand: Subcommand;
  readonly url: string;
  readonly schema: string | undefined;
  readonly streams: readonly string[] | undefined;
}

/** Parses the arguments after `postgres`. Returns `"help"` for --help; throws `UsageError`. */
export function parsePostgresArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): PostgresCommandConfig | "help" {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") return "help";
  if (!(SUBCOMMANDS as readonly string[]).includes(name)) {
    throw new UsageError(
      `necrostack postgres: unknown subcommand "${name}"; expected migrate or status.${didYouMean(name, SUBCOMMANDS)}`,
      HELP,
    );
  }
  const command = `postgres ${name}`;
  const values = parseFlags(command, rest, FLAGS);
  if (values.help === true) return "help";
  if (values.url !== undefined && values.backend !== undefined) {
    throw new UsageError(`necrostack ${command}: give --url or --backend, not both`, HELP);
  }
  const { kind, url } = backendUrlFlag(command, { backend: values.url ?? values.backend }, env);
  if (kind !== "postgres") {
    throw new UsageError(
      `necrostack ${command}: expected a postgres:// or postgresql:// URL, got ${JSON.stringify(maskUrl(url))}`,
      HELP,
    );
  }
  const streams = stringFlag(command, values, "stream")
    ?.split(",")
    .map((stream) => stream.trim());
  if (streams?.includes("")) {
    throw new UsageError(
      `necrostack ${command}: expected \`--stream\` to be stream names separated by commas, got ${JSON.stringify(values.stream)}`,
      HELP,
    );
  }
  return {
    subcommand: name as Subcommand,
    url,
    schema: stringFlag(command, values, "schema"),
    streams,
  };
}

/** Runs `necrostack postgres`; resolves its exit code. */
export async function runPostgres(argv: readonly string[], io: CliIO): Promise<number> {
  const config = parsePostgresArgs(argv, io.env);
  if (config === "help") {
    io.stdout(POSTGRES_USAGE);
    return EXIT_OK;
  }
  const { migratePostgresStreams, postgresSchemaStatus, SCHEMA_VERSION } = await import(
    "../postgres.js"
  );
  const options = {
    url: config.url,
    ...(config.schema !== undefined && { schema: config.schema }),
    ...(config.streams !== undefined && { streams: config.streams }),
  };
  const where = `${config.schema ?? "necrostack"} on ${maskUrl(config.url)}`;
  if (config.subcommand === "migrate") {
    const states = await migratePostgresStreams(options);
    if (states.length === 0)
      io.stdout(`No streams recorded in schema ${where}; name them with --stream.\n`);
    for (const state of states) io.stdout(`${migrationLine(state)}\n`);
    return EXIT_OK;
  }
  const states = await postgresSchemaStatus(options);
  if (states.length === 0) io.stdout(`No streams recorded in schema ${where}.\n`);
  let behind = false;
  for (const state of states) {
    const status =
      state.from === 0
        ? "no tables"
        : state.from < SCHEMA_VERSION
          ? `version ${state.from}, behind (this package needs ${SCHEMA_VERSION})`
          : `version ${state.from}, up to date`;
    behind ||= state.from < SCHEMA_VERSION;
    io.stdout(`${state.stream}: ${status}\n`);
  }
  if (behind)
    io.stdout(
      `Run: necrostack postgres migrate --url <url> --schema ${config.schema ?? "necrostack"}\n`,
    );
  return behind ? EXIT_FAILURE : EXIT_OK;
}

function migrationLine(state: StreamSchemaState): string {
  if (state.applied.length === 0) return `${state.stream}: up to date (version ${state.to})`;
  if (state.from === 0) return `${state.stream}: created (version ${state.to})`;
  return `${state.stream}: upgraded from version ${state.from} to ${state.to}`;
}
