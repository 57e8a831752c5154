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
