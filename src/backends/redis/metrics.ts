/** RedisBackend's counters. They only grow; read them through `backend.metrics`. */

/** What a RedisBackend has done since it was created. */
export interface RedisBackendMetrics {
  /** Events added to the stream: by `enqueue` and by commits. */
  readonly eventsEnqueued: number;
  /** Events handed out by `pull` (first deliveries and recovered ones). */
  readonly eventsPulled: number;
  /** Entries acked after their events were handled: by `ack` and by commits. */
  readonly eventsAcked: number;
  /** Entries moved to the dead-letter stream: poison entries, `nack`, and too many deliveries. */
  readonly eventsFailed: number;
  /** Times the connection to Redis was re-established after it was lost. */
  readonly reconnections: number;
  /** Idle entries of other (or dead) consumers claimed by this one. */
  readonly pendingRecovered: number;
  /** Pending entries that were gone from the stream (trimmed or deleted): acked and dropped. */
  readonly entriesDropped: number;
  /**
   * Commits that found the entry no longer owned by this consumer (it stalled past
   * `claimMinIdleMs` and another consumer claimed it): nothing was emitted.
   */
  readonly commitsSkipped: number;
  /**
   * Reads that stayed unanswered past their block time plus `commandTimeoutMs` (a hung or
   * half-dead connection): each failed its pull, and the reader connection was replaced.
   */
  readonly readsTimedOut: number;
  /** Consumers of the group removed as idle with nothing pending (see `removeIdleConsumersAfterMs`). */
  readonly consumersRemoved: number;
  /** Events released with a delay: parked until due, then added again for their next attempt. */
  readonly eventsDelayed: number;
  /** Delayed releases this consumer's mover put back on the stream once due (any consumer's). */
  readonly delayedMoved: number;
}

export class MetricsCounter {
  eventsEnqueued = 0;
  eventsPulled = 0;
  eventsAcked = 0;
  eventsFailed = 0;
  reconnections = 0;
  pendingRecovered = 0;
  entriesDropped = 0;
  commitsSkipped = 0;
  readsTimedOut = 0;
  consumersRemoved = 0;
  eventsDelayed = 0;
  delayedMoved = 0;

  snapshot(): RedisBackendMetrics {
    return {
      eventsEnqueued: this.eventsEnqueued,
      eventsPulled: this.eventsPulled,
      eventsAcked: this.eventsAcked,
      eventsFailed: this.eventsFailed,
      reconnections: this.reconnections,
      pendingRecovered: this.pendingRecovered,
      entriesDropped: this.entriesDropped,
      commitsSkipped: this.commitsSkipped,
      readsTimedOut: this.readsTimedOut,
      consumersRemoved: this.consumersRemoved,
      eventsDelayed: this.eventsDelayed,
      delayedMoved: this.delayedMoved,
    };
  }
}
