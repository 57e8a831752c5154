/**
 * The pipeline in one process: the organs on an in-memory backend, run until every notification
 * has settled. Dead-lettered sends are reported back through the pipeline (see dead-letters.ts),
 * so a batch ends only when the Audit organ has heard about every channel.
 */
import { Event, type FailedEvent, InMemoryBackend, type Logger, Spine } from "necrostack";
import { MemoryAuditLog } from "./audit-log.js";
import { deadLetterReport } from "./dead-letters.js";
import { NOTIFICATION_REQUESTED, type RequestedPayload } from "./events.js";
import { pipelineOrgans } from "./organs/index.js";
import type { Settings } from "./settings.js";
import { type Summary, summarize } from "./summary.js";

/** A request as read from a file, a prompt line or a generator: not validated yet. */
export type NotificationRequest = Omit<RequestedPayload, "notificationId">;

/** What one batch did. */
export interface BatchResult {
  /** The ids given to the batch's notifications, in input order. */
  readonly ids: readonly string[];
  /** Events the Spine handled, dead-letter reports included. */
  readonly eventsProcessed: number;
  readonly durationMs: number;
}

/**
 * Requests put on the backend at a time. The queue is FIFO, so a whole batch at once would hold
 * every request, then every validated request, and so on, in memory before the first completes;
 * feeding a slice at a time keeps that bounded (and the garbage collector idle).
 */
const FEED_CHUNK = 2_048;

export class MemoryPipeline {
  readonly audit: MemoryAuditLog;
  readonly #backend = new InMemoryBackend();
  readonly #spine: Spine;
  readonly #unexpected: FailedEvent[] = [];
  #nextId = 1;
  #requested = 0;

  constructor(settings: Settings, options: { keepLines?: boolean; logger?: Logger | false } = {}) {
    this.audit = new MemoryAuditLog(options.keepLines ?? true);
    this.#spine = new Spine({
      organs: pipelineOrgans(settings.email, this.audit),
      backend: this.#backend,
      concurrency: settings.concurrency,
      // Keep the failed send in the store: it is the dead-letter store of this process.
      handlerFailureMode: "store",
      // Batches have no size limit, and nothing here can loop: email retries stop at maxAttempts.
      maxSteps: Number.POSITIVE_INFINITY,
      logger: options.logger ?? false,
    });
  }

  /** Notifications accepted so far. */
  get requested(): number {
    return this.#requested;
  }

  /** Failed events that were not send requests: bugs, reported rather than hidden. */
  get unexpectedFailures(): readonly FailedEvent[] {
    return this.#unexpected;
  }

  /** Runs `requests` through the pipeline until each has completed or failed validation. */
  async process(requests: readonly NotificationRequest[]): Promise<BatchResult> {
    const started = performance.now();
    const ids: string[] = [];
    let eventsProcessed = 0;
    for (let from = 0; from < requests.length; from += FEED_CHUNK) {
      for (const request of requests.slice(from, from + FEED_CHUNK)) {
        const notificationId = `n-${this.#nextId++}`;
        ids.push(notificationId);
        this.#backend.sync.enqueue(
          new Event(NOTIFICATION_REQUESTED, {
            ...request,
            notificationId,
          } satisfies RequestedPayload),
        );
        this.#requested++;
      }
      let reports: Event[] = [];
      do {
        const stats = await this.#spine.run(reports);
        eventsProcessed += stats.eventsProcessed;
        reports = this.#reportDeadLetters();
      } while (reports.length > 0);
    }
    return { ids, eventsProcessed, durationMs: performance.now() - started };
  }

  async summary(): Promise<Summary> {
    return summarize(this.#requested, await this.audit.totals());
  }

  #reportDeadLetters(): Event[] {
    const reports: Event[] = [];
    for (const failed of this.#spine.drainFailedEvents()) {
      const reason = failed.error instanceof Error ? failed.error.message : String(failed.error);
      const report = deadLetterReport(failed.event, reason);
      if (report === null) this.#unexpected.push(failed);
      else reports.push(report);
    }
    return reports;
  }
}
