/**
 * The little PostgreSQL access PostgresBackend needs, behind an interface of its own (as the
 * Redis backend has StreamClient): statements on a pool, a transaction, and one dedicated LISTEN
 * connection. pg-client.ts implements it on node-postgres.
 */

/** Anything that runs a statement: a `pg.Pool`, `pg.Client` or `pg.PoolClient`, among others. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * The part of a `pg.Pool` the backend uses, typed structurally so this package's types do not
 * depend on `@types/pg`. A `pg.Pool` is one.
 */
export interface PgPoolLike extends PgQueryable {
  connect(): Promise<unknown>;
  end(): Promise<void>;
}

/** Runs one statement and resolves its rows. */
export type Query = <Row>(text: string, values?: readonly unknown[]) => Promise<Row[]>;

/** A LISTEN held on a connection of its own. */
export interface Listener {
  /** UNLISTEN and gives the connection back. Never rejects. */
  close(): Promise<void>;
}

/** What the LISTEN connection reports. */
export interface ListenHandlers {
  /** A notification arrived on the channel. */
  readonly notified: () => void;
  /** The connection failed or was closed by the server: no notification arrives any more. */
  readonly lost: (error: unknown) => void;
}

export interface SqlClient {
  /** Runs one statement on a pooled connection (one implicit transaction). */
  readonly query: Query;
  /**
   * Runs `work` inside BEGIN ... COMMIT on one pooled connection, ROLLBACK when it rejects. The
   * connection is dropped, not reused, when ROLLBACK itself fails.
   */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T>;
  /** Takes a connection out of the pool for `LISTEN channel`. Rejects when it cannot. */
  listen(channel: string, handlers: ListenHandlers): Promise<Listener>;
  /** Ends the pool, unless it was the user's own. */
  close(): Promise<void>;
}

/** `"name"`, with any `"` doubled: a PostgreSQL identifier, whatever it holds. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
