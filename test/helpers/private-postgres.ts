/**
 * The usual setup of a PostgreSQL suite in one call: a private cluster started before the
 * suite's tests, a plain `pg` pool on it for looking at (and tampering with) the tables, and
 * both disposed of afterwards.
 */
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { PostgresServer, type PostgresServerOptions } from "./postgres-server.js";

/** A plain pool for looking at the tables from a test; errors of a server a test stops are expected. */
export function rawPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on("error", () => {});
  return pool;
}

export interface PrivatePostgres {
  readonly server: PostgresServer;
  readonly pool: pg.Pool;
}

/** Call inside a `describePostgres` block; read `server` and `pool` from inside its tests. */
export function usePrivatePostgres(options: PostgresServerOptions = {}): PrivatePostgres {
  let server: PostgresServer | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    server = await PostgresServer.start(options);
    pool = rawPool(server.url);
  }, 60_000);
  afterAll(async () => {
    await pool?.end().catch(() => {});
    await server?.dispose();
  }, 60_000);
  return {
    get server(): PostgresServer {
      if (server === undefined)
        throw new Error("usePrivatePostgres: the server starts in beforeAll");
      return server;
    },
    get pool(): pg.Pool {
      if (pool === undefined) throw new Error("usePrivatePostgres: the pool starts in beforeAll");
      return pool;
    },
  };
}
