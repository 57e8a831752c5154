/**
 * What a PostgresBackend's `health()` reports: one round trip counting the stream's rows, its
 * leased rows and its dead letters, each count bounded so a huge backlog costs a bounded scan.
 */
import type { BackendHealth } from "../../core/backend.js";
import { errorField } from "../../core/logging.js";
import type { SqlClient } from "./client.js";

/** What `health()` reports, in `details`. */
export interface PostgresBackendHealthDetails {
  readonly schema: string;
  readonly stream: string;
  readonly consumer: string;
  /** Rows this consumer holds. */
  readonly held: number;
  /** Whether the LISTEN connection is up (else pulls poll). */
  readonly listening: boolean;
  /**
   * Rows in the stream's table, leased or not (counted up to {@link HEALTH_COUNT_CAP}, so a
   * huge backlog costs a bounded scan). Absent when unhealthy.
   */
  readonly streamLength?: number;
  /** Rows leased to some consumer now (handed out and not settled, or claimed ahead). */
  readonly pending?: number;
  /** Rows no consumer holds: waiting to be claimed, or delayed. */
  readonly lag?: number;
  /** Rows in the dead-letter table. */
  readonly dlqLength?: number;
  /** Why it is unhealthy, when it is. */
  readonly error?: string;
}

/** Counts in `health()` stop here: a scan of the table is bounded. */
export const HEALTH_COUNT_CAP = 1_000_000;

export type PostgresBackendHealth = BackendHealth & {
  readonly details: PostgresBackendHealthDetails;
};

/**
 * Runs `levelsSql` (`Statements.levels`) on the client `connect` resolves, timing the round
 * trip. Never rejects: a failure, `connect`'s included, is an unhealthy report saying why.
 */
export async function streamHealth(
  connect: () => Promise<SqlClient>,
  levelsSql: string,
  base: Pick<PostgresBackendHealthDetails, "schema" | "stream" | "consumer" | "held" | "listening">,
): Promise<PostgresBackendHealth> {
  const started = performance.now();
  try {
    const client = await connect();
    const [levels] = await client.query<{ length: number; pending: number; dead: number }>(
      levelsSql,
      [HEALTH_COUNT_CAP],
    );
    const latencyMs = performance.now() - started;
    const { length = 0, pending = 0, dead = 0 } = levels ?? {};
    return {
      healthy: true,
      latencyMs,
      details: { ...base, streamLength: length, pending, lag: length - pending, dlqLength: dead },
    };
  } catch (error) {
    return {
      healthy: false,
      latencyMs: performance.now() - started,
      details: { ...base, error: errorField(error) },
    };
  }
}
