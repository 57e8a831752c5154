/**
 * Names shared by the coordinator and its workers: one run = one stream, one consumer group and
 * one audit log, all under a key prefix unique to the run, so runs never see each other's events.
 */
import { randomUUID } from "node:crypto";

/** How long a dead worker's events wait before another worker claims them. */
export const CLAIM_MIN_IDLE_MS = 5_000;

export interface RunKeys {
  readonly runId: string;
  readonly streamKey: string;
  readonly consumerGroup: string;
  readonly auditPrefix: string;
}

export function newRunId(): string {
  return `necrostack:notifications:${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

export function runKeys(runId: string): RunKeys {
  return {
    runId,
    streamKey: `${runId}:events`,
    consumerGroup: "notification-workers",
    auditPrefix: `${runId}:audit`,
  };
}

/** What a worker tells the coordinator (over the IPC channel) once connected to Redis. */
export interface WorkerReady {
  readonly type: "ready";
}

/** What a worker tells the coordinator when it has stopped. */
export interface WorkerReport {
  readonly type: "stopped";
  readonly consumerName: string;
  readonly eventsProcessed: number;
  readonly deadLettersReported: number;
  /** Failed events that were not send requests: bugs, reported rather than hidden. */
  readonly unexpectedFailures: string[];
}

/** What the coordinator tells a worker. */
export interface StopMessage {
  readonly type: "stop";
}
