/**
 * Migrations run on purpose, for teams that apply schema changes themselves (with
 * `migrate: false` on their backends): create or upgrade named streams, upgrade every stream a
 * schema already holds, or report their versions without changing anything. What
 * `necrostack postgres migrate` and `necrostack postgres status` run.
 */
import type { PgPoolLike, SqlClient } from "./client.js";
import { PostgresOperationError } from "./errors.js";
import { resolvePostgresBackendOptions } from "./options.js";
import { PgSqlClient } from "./pg-client.js";
import { migrate, recordedStreams, SCHEMA_VERSION, schemaVersion, streamTables } from "./schema.js";

export interface PostgresMigrationOptions {
  /** postgres:// or postgresql:// URL; or give `pool`. */
  readonly url?: string;
  /** Your own pool (not ended). */
  readonly pool?: PgPoolLike;
  /** @defaultValue "necrostack" */
  readonly schema?: string;
  /**
   * The streams to migrate or report. Without it, every stream the schema already records (so
   * an upgrade of this package is one call).
   */
  readonly streams?: readonly string[];
}

/** One stream's state, before and after. */
export interface StreamSchemaState {
  readonly stream: string;
  /** Its version before: 0 when it had no tables. */
  readonly from: number;
  /** Its version now. */
  readonly to: number;
  /** The versions applied now (none for a report or an up-to-date stream). */
  readonly applied: readonly number[];
}

/** Creates or upgrades the streams' tables to {@link SCHEMA_VERSION}, each in its own transaction. */
export function migratePostgresStreams(
  options: PostgresMigrationOptions,
): Promise<StreamSchemaState[]> {
  return eachStream(options, "migration", async (client, tables) => {
    const from = await schemaVersion(client, tables);
    const applied = await migrate(client, tables);
    return { stream: tables.stream, from, to: SCHEMA_VERSION, applied };
  });
}

/** The streams' schema versions, changing nothing. */
export function postgresSchemaStatus(
  options: PostgresMigrationOptions,
): Promise<StreamSchemaState[]> {
  return eachStream(options, "schema status", async (client, tables) => {
    const from = await schemaVersion(client, tables);
    return { stream: tables.stream, from, to: from, applied: [] };
  });
}

async function eachStream(
  options: PostgresMigrationOptions,
  what: string,
  work: (client: SqlClient, tables: ReturnType<typeof streamTables>) => Promise<StreamSchemaState>,
): Promise<StreamSchemaState[]> {
  // The backend's own checks of url, pool, schema and each stream name.
  const base = resolvePostgresBackendOptions({ ...options, consumerName: "migration" });
  const named = (options.streams ?? []).map(
    (stream) =>
      resolvePostgresBackendOptions({ ...options, stream, consumerName: "migration" }).stream,
  );
  const client = await PgSqlClient.create({
    url: base.url,
    pool: base.pool,
    poolSize: 1,
    applicationName: "necrostack:migrate",
    idleError: () => {},
  });
  try {
    const streams =
      options.streams === undefined ? await recordedStreams(client, base.schema) : named;
    const states: StreamSchemaState[] = [];
    for (const stream of streams) {
      try {
        states.push(await work(client, streamTables(base.schema, stream)));
      } catch (error) {
        throw new PostgresOperationError(
          `${what} of stream ${base.schema}.${stream}`,
          base.target,
          error,
        );
      }
    }
    return states;
  } finally {
    await client.close().catch(() => undefined);
  }
}
