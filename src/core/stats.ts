import type { Event } from "./event.js";
import type { OrganInfo } from "./handler.js";
import type { EnqueueFailure, SpineObserver } from "./observer.js";

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
  /** Events not handled because their hop was past `maxHops` (loop protection). */
  readonly eventsLoopStopped: number;
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

/** The Spine's own counters: an observer of its run. */
export class StatsCounter implements SpineObserver {
  eventsProcessed = 0;
  eventsEmitted = 0;
  eventsUnrouted = 0;
  eventsDeduplicated = 0;
  eventsLoopStopped = 0;
  handlerErrors = new Map<string, number>();
  enqueueFailures = 0;
  backendErrors = 0;
  startedAt = 0;
  endedAt = 0;
  /** Enqueue failures by event type, kept across runs (`spine.getEnqueueFailureCount`). */
  readonly #enqueueFailuresByType: Map<string, number>;

  constructor(enqueueFailuresByType = new Map<string, number>()) {
    this.#enqueueFailuresByType = enqueueFailuresByType;
  }

  /** Fresh counters for the next run; the per-type enqueue failures carry over. */
  next(): StatsCounter {
    return new StatsCounter(this.#enqueueFailuresByType);
  }

  /** Enqueue failures since the Spine was built, of one type or of all. */
  enqueueFailuresOf(eventType?: string): number {
    if (eventType !== undefined) return this.#enqueueFailuresByType.get(eventType) ?? 0;
    let total = 0;
    for (const n of this.#enqueueFailuresByType.values()) total += n;
    return total;
  }

  received(): void {
    this.eventsProcessed++;
  }

  unrouted(): void {
    this.eventsUnrouted++;
  }

  deduplicated(): void {
    this.eventsDeduplicated++;
  }

  loopStopped(): void {
    this.eventsLoopStopped++;
  }

  committed(_event: Event, emitted: readonly Event[]): void {
    this.eventsEmitted += emitted.length;
  }

  handlerError(_event: Event, organ: OrganInfo): void {
    this.handlerErrors.set(organ.name, (this.handlerErrors.get(organ.name) ?? 0) + 1);
  }

  enqueueError(event: Event, _error: unknown, failure: EnqueueFailure): void {
    // Once per event, however many retries it takes.
    if (failure.attempt !== 1) return;
    this.enqueueFailures++;
    const byType = this.#enqueueFailuresByType;
    byType.set(event.eventType, (byType.get(event.eventType) ?? 0) + 1);
  }

  backendError(): void {
    this.backendErrors++;
  }

  snapshot(running: boolean, failedEventsDropped: number, dedupeIds: number): SpineStats {
    const end = running ? Date.now() : this.endedAt;
    return Object.freeze({
      running,
      eventsProcessed: this.eventsProcessed,
      eventsEmitted: this.eventsEmitted,
      eventsUnrouted: this.eventsUnrouted,
      eventsDeduplicated: this.eventsDeduplicated,
      eventsLoopStopped: this.eventsLoopStopped,
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
