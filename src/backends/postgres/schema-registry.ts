/**
 * The schema registry's store on PostgreSQL: two tables per stream, created with the stream's
 * other tables (schema version 3) and shared by every process that uses the stream:
 *
 * - `<stream>_schema_types (event_type, mode, revision)`: per event type its compatibility mode
 *   and the revision every write bumps, the compare-and-set token;
 * - `<stream>_schemas (event_type, version, entry)`: each registered version, as the JSON of a
 *   `RegisteredSchema`.
 *
 * A write is one statement: it bumps the type's revision only if it still is the one the writer
 * read (a new type is inserted only if nobody inserted it meanwhile), and adds the version only
 * if the bump happened. Two processes that read the same record and each checked their own
 * version against it cannot both register: the second's statement waits for the first's row
 * lock, finds the revision moved and changes nothing.
 */
import { type Logger, resolveLogger } from "../../core/logging.js";
import { isCompatibilityMode } from "../../core/registry/compatibility.js";
import {
  emptyRecord,
  type RegisteredSchema,
  type SchemaRegistryStore,
  type SchemaTypeRecord,
  type SchemaTypeWrite,
} from "../../core/registry/store.js";
import type { PgPoolLike } from "./client.js";
import { PostgresOperationError } from "./errors.js";
import { resolvePostgresBackendOptions } from "./options.js";
import { type StreamTables, streamTables } from "./schema.js";
import { StreamConnection } from "./stream-connection.js";

/** Options of {@link PostgresSchemaRegistryStore}. */
export interface PostgresSchemaRegistryOptions {
  /** postgres:// or postgresql:// URL; or give `pool`. */
  url?: string;
  /** Your own pool (not ended by `close()`). */
  pool?: PgPoolLike;
  /** @defaultValue "necrostack" */
  schema?: string;
  /** The stream whose registry this is. @defaultValue "events" */
  stream?: string;
  /** Creates or upgrades the stream's tables on first use, as the backend does. @defaultValue true */
  migrate?: boolean;
}

/** A schema registry store in PostgreSQL tables per stream; see the module comment. */
export class PostgresSchemaRegistryStore implements SchemaRegistryStore {
  /** Where the registry is, for messages: `<schema>.<stream>_schemas`. */
  readonly location: string;
  readonly #connection: StreamConnection;
  readonly #tables: StreamTables;
  readonly #target: string;
  /** Whether `close()` ends the connection (false when it is a backend's). */
  readonly #owned: boolean;
  #closed = false;

  constructor(options: PostgresSchemaRegistryOptions);
  /** @internal The store of a PostgresBackend, on the backend's own connection. */
  constructor(options: PostgresSchemaRegistryOptions, shared: SharedConnection);
  constructor(options: PostgresSchemaRegistryOptions, shared?: SharedConnection) {
    if (shared !== undefined) {
      this.#connection = shared.connection;
      this.#tables = shared.tables;
      this.#target = shared.target;
      this.#owned = false;
    } else {
      const resolved = resolvePostgresBackendOptions({
        ...options,
        consumerName: "schema-registry",
        poolSize: 2,
      });
      const log: Logger = resolveLogger(false, "necrostack.postgres.schema-registry");
      this.#tables = streamTables(resolved.schema, resolved.stream);
      this.#connection = new StreamConnection(resolved, this.#tables, log);
      this.#target = resolved.target;
      this.#owned = true;
    }
    this.location = `${this.#tables.schema}.${this.#tables.stream}_schemas`;
  }

  async types(): Promise<string[]> {
    const rows = await this.#query<{ event_type: string }>(
      "list",
      `SELECT event_type FROM ${this.#tables.schemaTypes} ORDER BY event_type`,
      [],
    );
    return rows.map((row) => row.event_type);
  }

  async read(eventType: string): Promise<SchemaTypeRecord> {
    const rows = await this.#query<{ mode: string | null; revision: number; entry: string | null }>(
      "read",
      `SELECT t.mode, t.revision, s.entry::text AS entry
       FROM ${this.#tables.schemaTypes} AS t
       LEFT JOIN ${this.#tables.schemas} AS s ON s.event_type = t.event_type
       WHERE t.event_type = $1
       ORDER BY s.version`,
      [eventType],
    );
    const [first] = rows;
    if (first === undefined) return emptyRecord(eventType);
    const versions = rows
      .filter((row): row is typeof row & { entry: string } => row.entry !== null)
      .map((row) => JSON.parse(row.entry) as RegisteredSchema);
    return {
      eventType,
      mode: isCompatibilityMode(first.mode) ? first.mode : undefined,
      versions,
      revision: first.revision,
    };
  }

  async write(
    eventType: string,
    expectedRevision: number,
    change: SchemaTypeWrite,
  ): Promise<boolean> {
    const { schema, mode } = change;
    const t = this.#tables;
    const [row] = await this.#query<{ written: number }>(
      "write",
      `WITH inserted AS (
         INSERT INTO ${t.schemaTypes} (event_type, mode, revision)
         SELECT $1, $5, 1 WHERE $2::int = 0
         ON CONFLICT (event_type) DO NOTHING
         RETURNING revision
       ), updated AS (
         UPDATE ${t.schemaTypes} SET revision = revision + 1, mode = COALESCE($5, mode)
         WHERE event_type = $1 AND revision = $2::int AND $2::int > 0
         RETURNING revision
       ), won AS (
         SELECT revision FROM inserted UNION ALL SELECT revision FROM updated
       ), added AS (
         INSERT INTO ${t.schemas} (event_type, version, entry)
         SELECT $1, $3::int, $4::json FROM won WHERE $3::int IS NOT NULL
         ON CONFLICT (event_type, version) DO UPDATE SET entry = EXCLUDED.entry
         RETURNING 1
       )
       SELECT count(*)::int AS written FROM won`,
      [
        eventType,
        expectedRevision,
        schema === undefined ? null : schema.version,
        schema === undefined ? null : JSON.stringify(schema),
        mode ?? null,
      ],
    );
    return row?.written === 1;
  }

  /** Ends the store's own pool; a backend's store leaves the backend's alone. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#owned) return;
    const client = await this.#connection.closing();
    await client?.close().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #query<Row>(operation: string, text: string, values: unknown[]): Promise<Row[]> {
    if (this.#closed) {
      throw new PostgresOperationError(
        `schema registry ${operation}`,
        this.#target,
        "the store is closed",
      );
    }
    try {
      const client = await this.#connection.ready();
      return await client.query<Row>(text, values);
    } catch (error) {
      throw new PostgresOperationError(
        `schema registry ${operation} on ${this.location}`,
        this.#target,
        error,
      );
    }
  }
}

/** A backend's connection, lent to its store. */
export interface SharedConnection {
  readonly connection: StreamConnection;
  readonly tables: StreamTables;
  readonly target: string;
}
