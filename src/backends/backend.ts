/**
 * The Backend contract: where events wait between organs. The Spine needs only `enqueue`, `pull`
 * and `ack`; the optional methods let a backend offer more, and the Spine uses them when present.
 */
import type { Event } from "../core/event.js";

/** What `health()` reports. `details` is backend-specific (stream length, pending, ...). */
export interface BackendHealth {
  readonly healthy: boolean;
  readonly latencyMs: number;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * A queue of events.
 *
 * Delivery: a backend is either at-most-once (an event pulled is gone, whatever happens to the
 * process) or at-least-once (an event pulled but not acked is delivered again after a crash or a
 * timeout). `durable` says which. Organs on an at-least-once backend must tolerate seeing an event
 * twice; give events stable ids and use them to deduplicate where that matters.
 *
 * Ordering: a backend states its own. The in-memory backend is FIFO; Redis Streams deliver in
 * order per stream, but redeliveries come later than their neighbours.
 *
 * Concurrency: the Spine may call `pull` again before earlier events are acked (up to its
 * `concurrency`), and may call `enqueue` and `ack` from several in-flight events at once.
 */
export interface Backend {
  /**
   * True for at-least-once backends that keep events outside this process. The Spine runs
   * `until: "stopped"` on them by default, and `"idle"` otherwise.
   */
  readonly durable?: boolean;

  /** Adds an event. Resolves once the backend has accepted it; rejects if it has not. */
  enqueue(event: Event): Promise<void>;

  /**
   * Takes the next event, waiting up to `timeoutMs` for one, and resolves `null` on timeout, when
   * `signal` aborts, or once the backend is closed. An abort must not consume an event.
   */
  pull(timeoutMs?: number, signal?: AbortSignal): Promise<Event | null>;

  /** Marks a pulled event as done. Must be idempotent: acking twice is harmless. */
  ack(event: Event): Promise<void>;

  /** Gives up on a pulled event now: a durable backend moves it to its dead-letter store. */
  nack?(event: Event, reason?: string): Promise<void>;

  /**
   * The Spine is done with a pulled event and leaves it unacked (a handler failed under
   * handlerFailureMode "nack"). A durable backend stops holding it, so it is delivered again
   * after its redelivery delay and dead-lettered after its retry limit, with `reason` when given.
   * Synchronous; never throws.
   */
  release?(event: Event, reason?: string): void;

  /**
   * Takes back a pulled event the Spine never started handling (its run stopped at `maxSteps`):
   * it is delivered again as if it had not been pulled, ahead of the events queued after it
   * where the backend keeps order, and not counted as a failed delivery. The Spine calls
   * `release` instead on a backend without it. Synchronous; never throws.
   */
  handBack?(event: Event): void;

  /** Releases resources; pending `pull`s resolve `null`. Must be idempotent. */
  close?(): Promise<void>;

  /** Reports whether the backend can serve, and how fast. */
  health?(): Promise<BackendHealth>;

  /**
   * Acks `event` and enqueues `emitted` as one atomic step: after a crash either both happened
   * or neither. A backend that finds it no longer owns `event` (another consumer claimed it)
   * enqueues nothing and resolves: that consumer will handle the event. The Spine calls this
   * instead of `enqueue` + `ack` when it exists.
   */
  commit?(event: Event, emitted: readonly Event[]): Promise<void>;

  /**
   * Synchronous fast path for backends whose queue lives in this process: the next event if one
   * is queued now, else `undefined`. Never waits. With it, the Spine handles queued events
   * without an `await` per event.
   */
  pullNow?(): Event | undefined;

  /** Synchronous `enqueue`; throws instead of rejecting. Present together with `pullNow`. */
  enqueueNow?(event: Event): void;

  /** Synchronous `ack`. Present together with `pullNow`. */
  ackNow?(event: Event): void;
}
