/**
 * One worker process of `--backend redis`: the same organs as in memory, on a RedisBackend that
 * shares the run's stream with the other workers through one consumer group.
 *
 * It runs the Spine until the coordinator says stop, and every few milliseconds reports what
 * its failed-event store (the dead-letter store) holds as `*_FAILED` events on the stream. The
 * audit log is in Redis, so it does not matter which worker records which outcome.
 */
import { type Event, Spine } from "necrostack";
import { RedisBackend } from "necrostack/redis";
import { deadLetterReport } from "../dead-letters.js";
import { pipelineOrgans } from "../organs/index.js";
import { RedisAuditLog } from "../redis-audit-log.js";
import type { Settings } from "../settings.js";
import { spineLogger } from "./batch.js";
import {
  CLAIM_MIN_IDLE_MS,
  runKeys,
  type StopMessage,
  type WorkerReady,
  type WorkerReport,
} from "./redis-run.js";

/** How often the failed-event store is emptied onto the stream. */
const DEAD_LETTER_REPORT_MS = 50;

export async function runWorker(settings: Settings): Promise<void> {
  const keys = runKeys(settings.worker as string);
  const consumerName = `${keys.runId}:worker-${process.pid}`;
  const logger = spineLogger(settings);
  const backend = new RedisBackend({
    redisUrl: settings.redisUrl,
    streamKey: keys.streamKey,
    consumerGroup: keys.consumerGroup,
    consumerName,
    // A worker that dies leaves its entries pending; the others claim them after this long.
    claimMinIdleMs: CLAIM_MIN_IDLE_MS,
    logger,
  });
  const audit = new RedisAuditLog(settings.redisUrl, keys.auditPrefix);
  const spine = new Spine({
    organs: pipelineOrgans(settings.email, audit),
    backend,
    concurrency: settings.concurrency,
    handlerFailureMode: "store",
    maxSteps: Number.POSITIVE_INFINITY,
    pollTimeoutMs: 100,
    logger,
  });

  const stop = new AbortController();
  const onMessage = (message: StopMessage): void => {
    if (message.type === "stop") stop.abort();
  };
  process.on("message", onMessage);
  process.once("SIGTERM", () => stop.abort());
  process.once("SIGINT", () => stop.abort());
  // The coordinator going away is a stop too: a worker never outlives its run.
  process.once("disconnect", () => stop.abort());

  let eventsProcessed = 0;
  let deadLettersReported = 0;
  const unexpectedFailures: string[] = [];
  /** Reports not yet on the stream: kept across a failed enqueue, so none is dropped. */
  const unsent: Event[] = [];
  /** Puts a report for each dead-lettered send on the stream, for whichever worker is free. */
  const reportDeadLetters = async (): Promise<void> => {
    for (const failed of spine.drainFailedEvents()) {
      const reason = failed.error instanceof Error ? failed.error.message : String(failed.error);
      const report = deadLetterReport(failed.event, reason);
      if (report === null) unexpectedFailures.push(`${failed.event.eventType}: ${reason}`);
      else unsent.push(report);
    }
    while (unsent.length > 0) {
      await backend.enqueue(unsent[0] as Event);
      unsent.shift();
      deadLettersReported++;
    }
  };
  let reporting = Promise.resolve();
  // The failed-event store lives in this process: report from it often, so little waits there.
  const reporter = setInterval(() => {
    reporting = reporting.then(reportDeadLetters).catch((error: unknown) => {
      console.error(
        `worker ${process.pid}: dead-letter report failed, will retry: ${String(error)}`,
      );
    });
  }, DEAD_LETTER_REPORT_MS);
  try {
    const health = await backend.health();
    if (!health.healthy) throw new Error(`Redis is not reachable: ${health.details.error}`);
    process.send?.({ type: "ready" } satisfies WorkerReady);
    const stats = await spine.run(undefined, { until: "stopped", signal: stop.signal });
    eventsProcessed = stats.eventsProcessed;
  } finally {
    clearInterval(reporter);
    await reporting;
    await reportDeadLetters();
    process.off("message", onMessage);
    await backend.close();
    await audit.close();
  }
  const report: WorkerReport = {
    type: "stopped",
    consumerName,
    eventsProcessed,
    deadLettersReported,
    unexpectedFailures,
  };
  if (process.send !== undefined) {
    await new Promise<void>((resolve) => process.send?.(report, () => resolve()));
    process.disconnect();
  }
}
