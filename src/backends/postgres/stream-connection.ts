/**
 * A backend's way to its stream: the pool, made on first use, and the stream's tables, created
 * or upgraded once (or with `migrate: false`, their version checked once). Every statement of the
 * backend goes through {@link StreamConnection.ready}; a failure to connect or to migrate is
 * retried by the next call instead of being remembered.
 */
import { BackendClosedError } from "../../core/errors.js";
import { errorField, type Logger } from "../../core/logging.js";
import type { SqlClient } from "./client.js";
import { PostgresOperationError, PostgresSchemaError } from "./errors.js";
import type { ResolvedPostgresBackendOptions } from "./options.js";
import { PgSqlClient } from "./pg-client.js";
import { migrate, SCHEMA_VERSION, type StreamTables, schemaVersion } from "./schema.js";

export class StreamConnection {
  readonly #options: ResolvedPostgresBackendOptions;
  readonly #tables: StreamTables;
  readonly #log: Logger;
  #client: Promise<SqlClient> | undefined;
  /** The client once the tables are in place; made once, shared by every caller. */
  #ready: Promise<SqlClient> | undefined;
  #closed = false;

  constructor(options: ResolvedPostgresBackendOptions, tables: StreamTables, log: Logger) {
    this.#options = options;
    this.#tables = tables;
    this.#log = log;
  }

  /** Whether a pool was ever asked for (so there may be rows to give back on close). */
  get opened(): boolean {
    return this.#client !== undefined;
  }

  /** The client once the stream's tables are in place. Rejects once closed. */
  ready(): Promise<SqlClient> {
    if (this.#closed) return Promise.reject(new BackendClosedError("use PostgreSQL"));
    this.#client ??= PgSqlClient.create({
      url: this.#options.url,
      pool: this.#options.pool,
      poolSize: this.#options.poolSize,
      preparedStatements: this.#options.preparedStatements,
      applicationName: `necrostack:${this.#options.consumerName}`.slice(0, 63),
      idleError: (error) =>
        this.#log.debug({ error: errorField(error) }, "An idle PostgreSQL connection failed"),
    }).catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client.then((client) => this.#migrated(client));
  }

  /** The client whose tables were made ready, if they ever were: for giving rows back on close. */
  readyBefore(): Promise<SqlClient | undefined> {
    return this.#ready?.catch(() => undefined) ?? Promise.resolve(undefined);
  }

  /** Refuses further use; resolves the client if one was made, for the last statements. */
  async closing(): Promise<SqlClient | undefined> {
    this.#closed = true;
    return this.#client?.catch(() => undefined);
  }

  #migrated(client: SqlClient): Promise<SqlClient> {
    const { schema, stream } = this.#tables;
    this.#ready ??= this.#migrate(client).then(
      (applied) => {
        if (applied.length > 0) {
          this.#log.info(
            { schema, stream, versions: applied },
            `Created the tables of stream ${schema}.${stream} (schema version ${applied.join(", ")})`,
          );
        }
        return client;
      },
      (error: unknown) => {
        this.#ready = undefined;
        if (error instanceof PostgresSchemaError) throw error;
        throw new PostgresOperationError("schema creation", this.#options.target, error);
      },
    );
    return this.#ready;
  }

  async #migrate(client: SqlClient): Promise<number[]> {
    if (this.#options.migrate) return migrate(client, this.#tables);
    const found = await schemaVersion(client, this.#tables);
    if (found < SCHEMA_VERSION) {
      throw new PostgresSchemaError(
        this.#tables.schema,
        this.#tables.stream,
        found,
        SCHEMA_VERSION,
      );
    }
    return [];
  }
}
