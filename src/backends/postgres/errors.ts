/** Errors of the PostgreSQL backend. Every one extends NecroStackError; none shows a password. */
import { messageOf, NecroStackError } from "../../core/errors.js";
import { maskSecrets } from "../../utils/redact.js";

/** The optional peer dependency `pg` (node-postgres) could not be loaded. */
export class PgMissingError extends NecroStackError {
  constructor(cause: unknown) {
    super(
      `PostgresBackend needs the pg package (node-postgres, >=8), which could not be loaded: install it with \`npm install pg\` (${maskSecrets(messageOf(cause))})`,
      "ERR_PG_MISSING",
      { cause },
    );
  }
}

/** A statement failed. `operation` names what the backend was doing. */
export class PostgresOperationError extends NecroStackError {
  readonly operation: string;

  constructor(operation: string, target: string, cause: unknown) {
    super(
      `PostgreSQL ${operation} failed on ${target}: ${maskSecrets(messageOf(cause))}`,
      "ERR_POSTGRES",
      { cause },
    );
    this.operation = operation;
  }
}

/**
 * The stream's tables are missing or older than this package needs, and the backend was told
 * not to migrate them (`migrate: false`).
 */
export class PostgresSchemaError extends NecroStackError {
  readonly stream: string;
  /** The stream's schema version; 0 when its tables do not exist. */
  readonly found: number;
  readonly needed: number;

  constructor(schema: string, stream: string, found: number, needed: number) {
    const state =
      found === 0
        ? "has no tables yet"
        : `is at schema version ${found}, and this package needs ${needed}`;
    super(
      `PostgreSQL stream ${schema}.${stream} ${state}; the backend does not migrate (migrate: false): run \`necrostack postgres migrate --url <url> --schema ${schema} --stream ${stream}\` first, or drop \`migrate: false\``,
      "ERR_POSTGRES_SCHEMA",
    );
    this.stream = stream;
    this.found = found;
    this.needed = needed;
  }
}
