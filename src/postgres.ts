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
export type { PostgresBackendOptions } from "./backends/postgres/options.js";
/** The backend, its options, and what it reports. */
export {
  PostgresBackend,
  type PostgresBackendHealthDetails,
  type PostgresEnqueueOptions,
} from "./backends/postgres/postgres-backend.js";
/** The schema version this package creates and expects. */
export { SCHEMA_VERSION } from "./backends/postgres/schema.js";
