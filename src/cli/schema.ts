/**
 * `necrostack schema`: the schema registry of a Redis stream from the command line. Publish a
 * catalog (refused, with the fields that break it, when a version is incompatible), check one
 * without writing, list and show what is registered, set a type's compatibility mode, and
 * export JSON Schema files for other languages and for docs.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { catalogSchemas } from "../core/registry/catalog-schemas.js";
import type { JsonSchema } from "../core/registry/compatibility.js";
import { isCompatibilityMode } from "../core/registry/compatibility.js";
import { SchemaConflictError } from "../core/registry/errors.js";
import type { SchemaDocument } from "../core/registry/schema-document.js";
import { SchemaRegistry } from "../core/registry/schema-registry.js";
import type { SchemaRegistryStore } from "../core/registry/store.js";
import { maskUrl } from "../utils/redact.js";
import { type BackendKind, backendUrlFlag, refuseOtherBackendFlags } from "./backend-url.js";
import { type CliIO, EXIT_FAILURE, EXIT_OK } from "./command.js";
import { type FlagSpec, integerFlag, parseFlags, stringFlag } from "./flags.js";
import { loadCatalogModule } from "./schema-catalog.js";
import { conflictLines, verdictLine } from "./schema-report.js";
import { didYouMean, UsageError } from "./usage-error.js";

export const SCHEMA_USAGE = `Usage: necrostack schema <subcommand> [options]

The schema registry of a stream: the JSON Schema of every event type's payload, per version,
shared by every worker on the stream (on Redis, the hash <stream>:schemas; on PostgreSQL, the
tables <stream>_schema_types and <stream>_schemas).

Subcommands:
  publish --catalog MODULE     register the catalog's schemas; refused, and nothing written,
                               when a version conflicts with the registry (exit 1)
  check --catalog MODULE       what publish would do, without writing; exit 1 on a conflict
  list                         every registered type: versions and compatibility mode
  show TYPE [--version N]      one registered version (default: the latest), as JSON
  mode TYPE MODE               set a type's compatibility mode: BACKWARD (default), FORWARD,
                               FULL or NONE
  export --out DIR             write DIR/<TYPE>.v<N>.json, one JSON Schema per version: the
                               catalog's versions with --catalog, else every registered one

Options:
  --catalog MODULE   the module exporting the catalog (defineEvents(...)) as default or as
                     catalog; it may also export toJsonSchema(schema) for validators that
                     offer no JSON Schema themselves
  --backend URL      redis://, rediss://, postgres:// or postgresql://
                     (default: $NECROSTACK_BACKEND_URL)
  --redis URL        redis://[user:password@]host:port[/db] or rediss:// (default: $REDIS_URL)
  --stream NAME      the stream whose registry this is (default: necrostack:events on Redis,
                     events on PostgreSQL)
  --schema NAME      PostgreSQL: the schema holding the stream's tables (default: necrostack)
  --version N        with show: the version (default: the latest)
  --out DIR          with export: the directory to write to (created if missing)
  -h, --help         show this help

Modes (as Kafka schema registries define them): BACKWARD, a reader with the new schema reads
events written with the old one; FORWARD, the reverse; FULL, both; NONE, no check. A new
version is checked against the latest registered one. A registered version never changes.

Exit codes: 0 done, 1 a conflict (or Redis failed), 2 bad flags.
`;

const SUBCOMMANDS = ["publish", "check", "list", "show", "mode", "export"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const FLAGS: FlagSpec = {
  catalog: { type: "string" },
  redis: { type: "string" },
  backend: { type: "string" },
  schema: { type: "string" },
  stream: { type: "string" },
  version: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** Which flags and positional arguments each subcommand takes. */
const SHAPES: Readonly<
  Record<Subcommand, { flags: readonly string[]; positionals: readonly string[] }>
> = {
  publish: { flags: ["catalog", "redis", "backend", "schema", "stream"], positionals: [] },
  check: { flags: ["catalog", "redis", "backend", "schema", "stream"], positionals: [] },
  list: { flags: ["redis", "backend", "schema", "stream"], positionals: [] },
  show: { flags: ["redis", "backend", "schema", "stream", "version"], positionals: ["TYPE"] },
  mode: { flags: ["redis", "backend", "schema", "stream"], positionals: ["TYPE", "MODE"] },
  export: { flags: ["catalog", "redis", "backend", "schema", "stream", "out"], positionals: [] },
};

const HELP = "necrostack schema --help";

/** What `necrostack schema` was asked to do, checked. */
export interface SchemaConfig {
  readonly subcommand: Subcommand;
  readonly positionals: readonly string[];
  readonly catalogModule: string | undefined;
  /** Absent only for `export --catalog` without --redis. */
  readonly backend: { readonly kind: BackendKind; readonly url: string } | undefined;
  /** The stream: a Redis key, or a PostgreSQL stream name. */
  readonly streamKey: string | undefined;
  /** PostgreSQL: the schema holding the stream's tables. */
  readonly pgSchema: string | undefined;
  readonly version: number | undefined;
  readonly out: string | undefined;
}

/** Parses the arguments after `schema`. Returns `"help"` for --help; throws `UsageError`. */
export function parseSchemaArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): SchemaConfig | "help" {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") return "help";
  if (!(SUBCOMMANDS as readonly string[]).includes(name)) {
    const what = name.startsWith("-")
      ? `option "${name}" before the subcommand`
      : `subcommand "${name}"`;
    throw new UsageError(
      `necrostack schema: unknown ${what}; expected one of ${SUBCOMMANDS.join(", ")}.${didYouMean(name, SUBCOMMANDS)}`,
      HELP,
    );
  }
  const subcommand = name as Subcommand;
  const command = `schema ${subcommand}`;
  const shape = SHAPES[subcommand];
  const positionals: string[] = [];
  while (
    positionals.length < shape.positionals.length &&
    rest[0] !== undefined &&
    !rest[0].startsWith("-")
  ) {
    positionals.push(rest.shift() as string);
  }
  const values = parseFlags(command, rest, FLAGS);
  if (values.help === true) return "help";
  if (positionals.length < shape.positionals.length) {
    throw new UsageError(
      `necrostack ${command}: give ${shape.positionals.slice(positionals.length).join(" and ")} (necrostack ${command} ${shape.positionals.join(" ")})`,
      HELP,
    );
  }
  for (const flag of Object.keys(values)) {
    if (flag === "help" || values[flag] === undefined || shape.flags.includes(flag)) continue;
    throw new UsageError(`necrostack ${command}: --${flag} does not apply to ${subcommand}`, HELP);
  }
  if (subcommand === "mode" && !isCompatibilityMode(positionals[1])) {
    throw new UsageError(
      `necrostack schema mode: expected MODE to be one of BACKWARD, FORWARD, FULL, NONE, got ${JSON.stringify(positionals[1])}`,
      HELP,
    );
  }
  const catalogModule = stringFlag(command, values, "catalog");
  if ((subcommand === "publish" || subcommand === "check") && catalogModule === undefined) {
    throw new UsageError(
      `necrostack ${command}: give the module that exports the catalog with --catalog ./events.js`,
      HELP,
    );
  }
  const out = stringFlag(command, values, "out");
  if (subcommand === "export" && out === undefined) {
    throw new UsageError("necrostack schema export: give the directory with --out schemas/", HELP);
  }
  // export --catalog reads the module only: no registry, no Redis.
  const fromCatalog = subcommand === "export" && catalogModule !== undefined;
  if (fromCatalog && values.redis !== undefined) {
    throw new UsageError(
      "necrostack schema export: give either --catalog (the catalog's schemas) or --redis (every registered version), not both",
      HELP,
    );
  }
  return {
    subcommand,
    positionals,
    catalogModule,
    backend: fromCatalog ? undefined : registryBackend(command, values, env),
    streamKey: stringFlag(command, values, "stream"),
    pgSchema: stringFlag(command, values, "schema"),
    version: integerFlag(command, values, "version", 1, Number.MAX_SAFE_INTEGER),
    out,
  };
}

/** Runs `necrostack schema`; resolves its exit code. Throws `UsageError` for bad flags. */
export async function runSchema(argv: readonly string[], io: CliIO): Promise<number> {
  const config = parseSchemaArgs(argv, io.env);
  if (config === "help") {
    io.stdout(SCHEMA_USAGE);
    return EXIT_OK;
  }
  if (config.subcommand === "export" && config.catalogModule !== undefined) {
    return exportCatalog(config, io);
  }
  const { store, where } = await openStore(config);
  const registry = new SchemaRegistry(store);
  try {
    switch (config.subcommand) {
      case "publish":
      case "check":
        return await publishOrCheck(registry, where, config, io);
      case "list":
        return await list(registry, where, io);
      case "show":
        return await show(registry, config, io);
      case "mode":
        return await setMode(registry, config, io);
      case "export":
        return await exportRegistry(registry, config, io);
    }
  } finally {
    await registry.close();
  }
}

/** `--backend` (or `--redis`), with the flags of the other backend refused by name. */
function registryBackend(
  command: string,
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): { readonly kind: BackendKind; readonly url: string } {
  const target = backendUrlFlag(command, values, env);
  refuseOtherBackendFlags(command, target.kind, values, { redis: [], postgres: ["schema"] });
  return target;
}

/** The registry's store on the chosen backend, and where it is for messages. */
interface OpenedStore {
  readonly store: SchemaRegistryStore;
  readonly where: string;
}

async function openStore(config: SchemaConfig): Promise<OpenedStore> {
  const { kind, url } = config.backend as NonNullable<SchemaConfig["backend"]>;
  // Loaded here, not at the top, so each backend's users need only its driver.
  if (kind === "postgres") {
    const { PostgresSchemaRegistryStore } = await import("../backends/postgres/schema-registry.js");
    const store = new PostgresSchemaRegistryStore({
      url,
      ...(config.streamKey !== undefined && { stream: config.streamKey }),
      ...(config.pgSchema !== undefined && { schema: config.pgSchema }),
    });
    return { store, where: `${store.location} at ${maskUrl(url)}` };
  }
  const { RedisSchemaRegistryStore } = await import("../backends/redis/schema-registry.js");
  const store = new RedisSchemaRegistryStore({
    redisUrl: url,
    ...(config.streamKey !== undefined && { streamKey: config.streamKey }),
  });
  return { store, where: `${store.key} at ${maskUrl(url)}` };
}

async function publishOrCheck(
  registry: SchemaRegistry,
  where: string,
  config: SchemaConfig,
  io: CliIO,
): Promise<number> {
  const { catalog, toJsonSchema } = await loadCatalogModule(config.catalogModule as string, io.cwd);
  const submissions = catalogSchemas(catalog, toJsonSchema);
  const publish = config.subcommand === "publish";
  if (publish) {
    try {
      const report = await registry.publish(submissions);
      for (const verdict of report.verdicts) io.stdout(`${verdictLine(verdict, true)}\n`);
      return EXIT_OK;
    } catch (error) {
      if (!(error instanceof SchemaConflictError)) throw error;
      io.stderr(
        `necrostack schema publish: refused by the registry ${where}; nothing was registered:\n${error.conflicts
          .map((c) => `  ${conflictLines(c)}`)
          .join("\n")}\n`,
      );
      return EXIT_FAILURE;
    }
  }
  const report = await registry.check(submissions);
  for (const verdict of report.verdicts) {
    if (verdict.outcome !== "conflict") io.stdout(`${verdictLine(verdict, false)}\n`);
  }
  if (report.conflicts.length === 0) return EXIT_OK;
  io.stderr(
    `necrostack schema check: the catalog conflicts with the registry ${where}:\n${report.conflicts
      .map((c) => `  ${conflictLines(c)}`)
      .join("\n")}\n`,
  );
  return EXIT_FAILURE;
}

async function list(registry: SchemaRegistry, where: string, io: CliIO): Promise<number> {
  const types = await registry.list();
  if (types.length === 0) {
    io.stdout(`No schemas registered in ${where}\n`);
    return EXIT_OK;
  }
  const rows = [
    ["TYPE", "VERSIONS", "MODE", "LATEST"],
    ...types.map((t) => [
      t.eventType,
      t.versions.join(","),
      t.defaultMode ? `${t.mode} (default)` : t.mode,
      t.latest === undefined ? "-" : `v${t.latest.version} ${describeDocument(t.latest.document)}`,
    ]),
  ];
  const widths =
    rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length))) ?? [];
  for (const row of rows) {
    io.stdout(
      `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] as number))).join("  ")}\n`,
    );
  }
  return EXIT_OK;
}

function describeDocument(document: SchemaDocument): string {
  return `${document.kind === "opaque" ? "opaque" : "JSON Schema"} from ${document.vendor}, ${document.fingerprint.slice(0, 12)}`;
}

async function show(registry: SchemaRegistry, config: SchemaConfig, io: CliIO): Promise<number> {
  const eventType = config.positionals[0] as string;
  const record = await registry.type(eventType);
  const wanted =
    config.version === undefined
      ? record.versions.at(-1)
      : record.versions.find((v) => v.version === config.version);
  if (wanted === undefined) {
    io.stderr(
      `necrostack schema show: ${
        record.versions.length === 0
          ? `no schema is registered for ${eventType}`
          : `${eventType} has no version ${config.version} (registered: ${record.versions.map((v) => v.version).join(", ")})`
      }\n`,
    );
    return EXIT_FAILURE;
  }
  io.stdout(
    `${JSON.stringify(
      {
        eventType,
        version: wanted.version,
        mode: record.mode ?? registry.defaultMode,
        registeredAt: wanted.registeredAt,
        ...wanted.document,
      },
      null,
      2,
    )}\n`,
  );
  return EXIT_OK;
}

async function setMode(registry: SchemaRegistry, config: SchemaConfig, io: CliIO): Promise<number> {
  const [eventType, mode] = config.positionals as [string, string];
  const before = (await registry.type(eventType)).mode ?? `${registry.defaultMode} (default)`;
  await registry.setMode(eventType, mode as Parameters<SchemaRegistry["setMode"]>[1]);
  io.stdout(`${eventType}: mode ${mode} (was ${before})\n`);
  return EXIT_OK;
}

/** One JSON Schema file per version: `<dir>/<TYPE>.v<N>.json`. Opaque versions are skipped, with a note. */
async function writeSchemas(
  entries: readonly { eventType: string; version: number; document: SchemaDocument }[],
  out: string,
  io: CliIO,
): Promise<number> {
  const dir = resolve(io.cwd, out);
  await mkdir(dir, { recursive: true });
  let written = 0;
  for (const { eventType, version, document } of entries) {
    if (document.kind === "opaque") {
      io.stderr(
        `necrostack schema export: skipped ${eventType} v${version}: its ${document.vendor} schema offers no JSON Schema (export toJsonSchema from the catalog module to convert it)\n`,
      );
      continue;
    }
    const file = join(dir, `${safeFileName(eventType)}.v${version}.json`);
    await writeFile(
      file,
      `${JSON.stringify(withTitle(document.jsonSchema, eventType, version), null, 2)}\n`,
    );
    io.stdout(`${file}\n`);
    written++;
  }
  return written;
}

/** A schema file says what it is the schema of, unless the schema already has a title. */
function withTitle(schema: JsonSchema, eventType: string, version: number): JsonSchema {
  if (typeof schema === "boolean" || schema.title !== undefined) return schema;
  return { title: `${eventType} v${version} payload`, ...schema };
}

function safeFileName(eventType: string): string {
  return eventType.replace(/[^A-Za-z0-9._-]/g, "_");
}

async function exportCatalog(config: SchemaConfig, io: CliIO): Promise<number> {
  const { catalog, toJsonSchema } = await loadCatalogModule(config.catalogModule as string, io.cwd);
  await writeSchemas(catalogSchemas(catalog, toJsonSchema), config.out as string, io);
  return EXIT_OK;
}

async function exportRegistry(
  registry: SchemaRegistry,
  config: SchemaConfig,
  io: CliIO,
): Promise<number> {
  const entries = [];
  for (const type of await registry.list())
    entries.push(...(await registry.type(type.eventType)).versions);
  await writeSchemas(entries, config.out as string, io);
  return EXIT_OK;
}
