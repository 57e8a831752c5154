/** RedisBackend's `health()`: one PING for latency, then the stream, group, dead-letter and delayed counts. */
import type { BackendHealth } from "../../core/backend.js";
import type { StreamClient } from "./client.js";
import { delayedKeys } from "./delayed-release.js";
import { RedisOperationError } from "./errors.js";

/** What `health()` reports for a RedisBackend. Counts are null when Redis could not be asked. */
export type RedisBackendHealth = BackendHealth & {
  readonly details: {
    readonly streamLength: number | null;
    readonly consumerGroup: string;
    readonly consumerName: string;
    /** Whether the consumer group exists (null when Redis could not be asked). */
    readonly groupExists: boolean | null;
    /** Entries delivered to the group and not yet acked. */
    readonly pending: number | null;
    /** Entries not yet delivered to the group (null when Redis is older than 7). */
    readonly lag: number | null;
    readonly consumers: number | null;
    readonly dlqLength: number | null;
    /** Events released with a delay and not yet due (see "Delayed release" in docs/redis.md). */
    readonly delayed: number | null;
    /** Why Redis is unhealthy. */
    readonly error?: string;
  };
};

export interface HealthTarget {
  readonly streamKey: string;
  readonly consumerGroup: string;
  readonly consumerName: string;
  readonly dlqStream: string;
  /** The masked URL, for the error. */
  readonly target: string;
}

export async function readHealth(
  connect: () => Promise<StreamClient>,
  of: HealthTarget,
): Promise<RedisBackendHealth> {
  const started = performance.now();
  const names = { consumerGroup: of.consumerGroup, consumerName: of.consumerName };
  try {
    const client = await connect();
    await client.ping();
    const latencyMs = performance.now() - started;
    const [streamLength, group, dlqLength, delayed] = await Promise.all([
      client.length(of.streamKey),
      client.groupInfo(of.streamKey, of.consumerGroup),
      client.length(of.dlqStream),
      client.sortedSetSize(delayedKeys(of.streamKey)[0]),
    ]);
    return {
      healthy: true,
      latencyMs,
      details: {
        ...names,
        streamLength,
        groupExists: group !== null,
        pending: group?.pending ?? 0,
        lag: group?.lag ?? null,
        consumers: group?.consumers ?? 0,
        dlqLength,
        delayed,
      },
    };
  } catch (error) {
    return {
      healthy: false,
      latencyMs: performance.now() - started,
      details: {
        ...names,
        streamLength: null,
        groupExists: null,
        pending: null,
        lag: null,
        consumers: null,
        dlqLength: null,
        delayed: null,
        error: new RedisOperationError("health check", of.target, error).message,
      },
    };
  }
}
