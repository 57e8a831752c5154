/**
 * `necrostack/postgres`: the PostgreSQL backend. Needs the optional peer dependency `pg`
 * (node-postgres, >=8); the core entry `necrostack` never loads it.
 */

/** The structural types of the pg objects it accepts (a `pg.Pool`, a `pg.Client`). */
export type { PgPoolLike, PgQueryable } from "./backends/postgres/client.js";
/** Its errors; each extends NecroStackError. */
export {
  PgMissingError,
  PostgresOperationError,
  PostgresSchemaError,
} from "./backends/postgres/errors.js";
/** What `PostgresBackend.health()` reports. */
export type {
  PostgresBackendHealth,
  PostgresBackendHealthDetails,
} from "./backends/postgres/health.js";
/** Read-and-repair access to stream tables and dead letters, for operators' tools (the dashboard). */
export {
  PostgresInspector,
  type PostgresInspectorOptions,
} from "./backends/postgres/inspector.js";
/** Migrations run on purpose (`necrostack postgres migrate`), for backends with `migrate: false`. */
export {
  migratePostgresStreams,
  type PostgresMigrationOptions,
  postgresSchemaStatus,
  type StreamSchemaState,
} from "./backends/postgres/migrate-streams.js";
/** The backend and its options. */
export type { PostgresBackendOptions } from "./backends/postgres/options.js";
export {
  PostgresBackend,
  type PostgresEnqueueOptions,
} from "./backends/postgres/postgres-backend.js";
/** Replay into a PostgreSQL stream (`replay()` from `necrostack/replay`), resumable. */
export {
  PostgresReplayTarget,
  type PostgresReplayTargetOptions,
  replaysTable,
} from "./backends/postgres/replay-target.js";
/** The schema version this package creates and expects. */
export { SCHEMA_VERSION } from "./backends/postgres/schema.js";
/** The schema registry's store in the stream's tables (also `backend.schemaRegistry()`). */
export {
  type PostgresSchemaRegistryOptions,
  PostgresSchemaRegistryStore,
} from "./backends/postgres/schema-registry.js";
