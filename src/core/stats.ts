/** What a Spine run did, as `run()` resolves it and `getStats()` reports it. */
export interface SpineStats {
  /** Whether a run is in progress. */
  readonly running: boolean;
  /** Events pulled and routed to their organs (start events included). */
  readonly eventsProcessed: number;
  /** Events that organs returned and the backend accepted. */
  readonly eventsEmitted: number;
  /** Events no organ listens to: acked and otherwise ignored. */
  readonly eventsUnrouted: number;
  /** Events skipped as duplicates (`dedupe`). */
  readonly eventsDeduplicated: number;
  /**
   * Ids the dedupe store remembers now, at most `dedupe.maxIds`; 0 with dedupe off. Unlike the
   * counters, it is the Spine's, not the run's: the store outlives runs.
   */
  readonly dedupeIds: number;
  /** Handler failures per organ name. */
  readonly handlerErrors: Readonly<Record<string, number>>;
  /** Events that could not be enqueued, each counted once however many retries it took. */
  readonly enqueueFailures: number;
  /** Failed backend calls (pull, ack). */
  readonly backendErrors: number;
  /** Entries dropped from the full failed-event store. */
  readonly failedEventsDropped: number;
  /** When the current or last run started, epoch ms; 0 before the first. */
  readonly startedAt: number;
  /** How long the current or last run has taken, ms. */
  readonly durationMs: number;
}

/** The Spine's own, mutable counters. */
export class StatsCounter {
  eventsProcessed = 0;
  eventsEmitted = 0;
  eventsUnrouted = 0;
  eventsDeduplicated = 0;
  handlerErrors = new Map<string, number>();
  enqueueFailures = 0;
  backendErrors = 0;
  startedAt = 0;
  endedAt = 0;

  countHandlerError(organ: string): void {
    this.handlerErrors.set(organ, (this.handlerErrors.get(organ) ?? 0) + 1);
  }

  snapshot(running: boolean, failedEventsDropped: number, dedupeIds: number): SpineStats {
    const end = running ? Date.now() : this.endedAt;
    return Object.freeze({
      running,
      eventsProcessed: this.eventsProcessed,
      eventsEmitted: this.eventsEmitted,
      eventsUnrouted: this.eventsUnrouted,
      eventsDeduplicated: this.eventsDeduplicated,
      dedupeIds,
      handlerErrors: Object.freeze(Object.fromEntries(this.handlerErrors)),
      enqueueFailures: this.enqueueFailures,
      backendErrors: this.backendErrors,
      failedEventsDropped,
      startedAt: this.startedAt,
      durationMs: this.startedAt === 0 ? 0 : Math.max(0, end - this.startedAt),
    });
  }
}
