/**
 * SqlClient on node-postgres. The `pg` package is loaded here, on first use, and nowhere else:
 * `necrostack` and `necrostack/redis` never need it.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import type { Listener, ListenHandlers, PgPoolLike, Query, SqlClient } from "./client.js";
import { quoteIdentifier } from "./client.js";
import { PgMissingError } from "./errors.js";

type PgModule = typeof pg;

let loading: Promise<PgModule> | undefined;

/** node-postgres, imported once; rejects with PgMissingError when it is not installed. */
export function loadPg(): Promise<PgModule> {
  loading ??= import("pg").then(
    (module) => (module.default ?? module) as PgModule,
    (error: unknown) => {
      loading = undefined;
      throw new PgMissingError(error);
    },
  );
  return loading;
}

export interface PgSqlClientOptions {
  /** The connection string, used when `pool` is not given. */
  readonly url: string;
  /** The user's own pool: used as is, and not ended by `close()`. */
  readonly pool: PgPoolLike | undefined;
  /** Connections of a pool this client makes (the LISTEN connection is one of them). */
  readonly poolSize: number;
  /** Shown as `application_name` in `pg_stat_activity`. */
  readonly applicationName: string;
  /** Errors of idle connections (a server restart ends them all): logged, never thrown. */
  readonly idleError: (error: unknown) => void;
  /**
   * Run statements as named prepared statements, parsed and planned once per connection.
   * @defaultValue false
   */
  readonly preparedStatements?: boolean;
}

export class PgSqlClient implements SqlClient {
  readonly #pool: pg.Pool;
  readonly #owned: boolean;
  /** Whether statements run as named prepared statements (see `preparedStatements`). */
  readonly #prepared: boolean;

  private constructor(pool: pg.Pool, owned: boolean, prepared: boolean) {
    this.#pool = pool;
    this.#owned = owned;
    this.#prepared = prepared;
  }

  static async create(options: PgSqlClientOptions): Promise<PgSqlClient> {
    const prepared = options.preparedStatements ?? false;
    if (options.pool !== undefined)
      return new PgSqlClient(options.pool as pg.Pool, false, prepared);
    const { Pool } = await loadPg();
    const pool = new Pool({
      connectionString: options.url,
      max: options.poolSize,
      application_name: options.applicationName,
      // Connections dropped by a restarted server are replaced; an idle one is not kept long.
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 10_000,
    });
    // Without a listener, an idle connection's error (the server restarting) would crash the process.
    pool.on("error", options.idleError);
    return new PgSqlClient(pool, true, prepared);
  }

  readonly query: Query = async <Row>(text: string, values?: readonly unknown[]) => {
    const params = values as unknown[] | undefined;
    const name = this.#prepared ? statementName(text) : undefined;
    const result =
      name === undefined
        ? await this.#pool.query(text, params)
        : await this.#pool.query({
            name,
            text,
            ...(params === undefined ? {} : { values: params }),
          });
    return result.rows as Row[];
  };

  async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    const query: Query = async <Row>(text: string, values?: readonly unknown[]) =>
      (await client.query(text, values as unknown[] | undefined)).rows as Row[];
    try {
      await client.query("BEGIN");
      const result = await work(query);
      await client.query("COMMIT");
      client.release();
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
        client.release();
      } catch (rollbackError) {
        client.release(rollbackError as Error);
      }
      throw error;
    }
  }

  async listen(channel: string, handlers: ListenHandlers): Promise<Listener> {
    const client = await this.#pool.connect();
    let open = true;
    const lose = (error: unknown): void => {
      if (!open) return;
      open = false;
      client.removeListener("notification", onNotification);
      // Released with the error: the pool destroys the connection instead of reusing it.
      client.release(error instanceof Error ? error : new Error(String(error)));
      handlers.lost(error);
    };
    const onNotification = (message: pg.Notification): void => {
      if (message.channel === channel) handlers.notified();
    };
    const onError = (error: Error): void => lose(error);
    const onEnd = (): void => lose(new Error("the LISTEN connection was closed"));
    client.on("notification", onNotification);
    client.on("error", onError);
    client.on("end", onEnd);
    try {
      await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    } catch (error) {
      lose(error);
      throw error;
    }
    return {
      close: async () => {
        if (!open) return;
        open = false;
        client.removeListener("notification", onNotification);
        client.removeListener("end", onEnd);
        try {
          await client.query(`UNLISTEN ${quoteIdentifier(channel)}`);
          client.removeListener("error", onError);
          client.release();
        } catch (error) {
          client.release(error as Error);
        }
      },
    };
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#pool.end();
  }
}

/**
 * The name a statement is prepared under: from its text, so the same text has the same name on
 * every connection and in every backend sharing a pool, and two texts never share one.
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `necrostack_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
    // The statements of a few streams; past the bound, names are computed again.
    if (names.size < 1_024) names.set(text, name);
  }
  return name;
}

const names = new Map<string, string>();
