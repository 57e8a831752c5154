/**
 * The Backend contract: where events wait between organs. The core owns it (the Spine depends on
 * it); `src/backends/` holds implementations only.
 *
 * What a backend can do is declared in `capabilities`, never inferred from which methods exist:
 * the Spine reads the declaration once, when it is built, and checks that the methods each
 * capability needs are there. The conformance suite (`necrostack/testing`) checks that a backend
 * does what it declares.
 */
import type { Event } from "./event.js";
import type { SchemaRegistryStore } from "./registry/store.js";

/** What `health()` reports. `details` is backend-specific (stream length, pending, ...). */
export interface BackendHealth {
  readonly healthy: boolean;
  readonly latencyMs: number;
  readonly details: Readonly<Record<string, unknown>>;
}

/** What a backend declares it can do. Each is a promise the conformance suite checks. */
export interface BackendCapabilities {
  /**
   * At-least-once, outside this process: an event pulled but not acked is delivered again after
   * a crash or a timeout, and events survive the process. The Spine runs `until: "stopped"` on it
   * by default, and turns `maxSteps` off by default (loop protection is `maxHops`).
   */
  readonly durable: boolean;
  /** `commit(event, emitted)` acks and adds in one atomic step. */
  readonly atomicCommit: boolean;
  /** `sync` is present: pull, enqueue and ack without a promise, for in-process queues. */
  readonly synchronous: boolean;
  /**
   * `release(event, { delayMs })` delivers the event again no sooner than `delayMs` from now.
   * Implies `redelivery`.
   */
  readonly delayedRelease: boolean;
  /** `nack(event, reason)` keeps the event, with the reason, in a dead-letter store. */
  readonly deadLetter: boolean;
  /** `release(event)` delivers the event again (to this or another consumer). */
  readonly redelivery: boolean;
  /**
   * Optional (absent means false): `enqueueOnce(event)` adds an event unless one with its id was
   * added that way within the backend's window of remembered ids, checked and added in one atomic
   * step. What forwarding between backends relies on (`RoutingBackend`, `necrostack bridge`): a
   * forward sent again after a crash is dropped by its target.
   */
  readonly idempotentEnqueue?: boolean;
}

/** The synchronous operations of an in-process backend. None waits; each throws instead of rejecting. */
export interface SyncBackendOps {
  /** The next event if one is queued now, else `undefined`. */
  pull(): Event | undefined;
  /** Adds an event now. */
  enqueue(event: Event): void;
  /** Acks now. */
  ack(event: Event): void;
}

/** Options of {@link Backend.release}. */
export interface ReleaseOptions {
  /** Why the event is given up for now: kept with it, and in its dead letter if it ends there. */
  readonly reason?: string;
  /**
   * Deliver it again no sooner than this many ms from now. Honoured by a backend that declares
   * `delayedRelease`; others deliver it again after their own redelivery delay.
   */
  readonly delayMs?: number;
}

/**
 * A queue of events.
 *
 * Delivery: at-most-once (an event pulled is gone, whatever happens to the process) or
 * at-least-once (`capabilities.durable`: an event pulled but not acked is delivered again after a
 * crash or a timeout). Organs on an at-least-once backend must tolerate seeing an event twice.
 *
 * Ordering: a backend states its own. The in-memory backend is FIFO; Redis Streams deliver in
 * order per stream, but redeliveries come later than their neighbours.
 *
 * Concurrency: the Spine may call `pull` again before earlier events are acked (up to its
 * `concurrency`), and may call `enqueue`, `ack`, `commit` and `release` from several in-flight
 * events at once. `ack`, `release` and `nack` of an event already settled must be harmless.
 */
export interface Backend {
  /** What this backend can do. Read once, when a Spine is built on it. */
  readonly capabilities: BackendCapabilities;

  /** Adds an event. Resolves once the backend has accepted it; rejects if it has not. */
  enqueue(event: Event): Promise<void>;

  /**
   * Adds `event` unless an event with the same id was added by `enqueueOnce` within the
   * backend's window of remembered ids (the backend states its size); resolves `true` when it
   * was added, `false` when it was dropped as a copy. The check and the add are one atomic step,
   * so a copy sent after a crash, or by two processes at once, is added once. Required with
   * `capabilities.idempotentEnqueue`.
   *
   * WARNING: the window is bounded: a copy sent after its id was forgotten is added again.
   */
  enqueueOnce?(event: Event): Promise<boolean>;

  /**
   * Takes the next event, waiting up to `timeoutMs` for one, and resolves `null` on timeout, when
   * `signal` aborts, or once the backend is closed. An abort must not consume an event. A durable
   * backend resolves `null` only when it knows nothing is there: one it cannot reach rejects.
   */
  pull(timeoutMs?: number, signal?: AbortSignal): Promise<Event | null>;

  /**
   * Optional: an event this backend has already fetched (a batch read ahead), handed out at once
   * with no promise, or undefined when none is ready (the Spine then calls `pull`). An event
   * taken is pulled: each event is handed out once, by `take` or by `pull`, never both. Lets the
   * Spine go through a fetched batch without a promise per event.
   */
  take?(): Event | undefined;

  /** Marks a pulled event as done. Must be idempotent: acking twice is harmless. */
  ack(event: Event): Promise<void>;

  /**
   * Acks `event` and enqueues `emitted` as one atomic step: after a crash either both happened
   * or neither. A backend that finds it no longer owns `event` (another consumer claimed it)
   * enqueues nothing and resolves: that consumer will handle the event. Required with
   * `capabilities.atomicCommit`; the Spine then calls it instead of `enqueue` + `ack`.
   */
  commit?(event: Event, emitted: readonly Event[]): Promise<void>;

  /**
   * The Spine is done with a pulled event and leaves it unacked (a handler failure under
   * "nack", a retry policy's wait, a failed commit). A backend with `redelivery` stops holding
   * it and delivers it again, after `delayMs` where it declares `delayedRelease`; past its own
   * retry limit it dead-letters it, with `reason`. Required with `redelivery`.
   */
  release?(event: Event, options?: ReleaseOptions): Promise<void>;

  /**
   * Takes back a pulled event the Spine never started handling (its run stopped): it is
   * delivered again as if it had not been pulled, and not counted as a failed delivery. The
   * Spine calls `release` instead on a backend without it. Synchronous; never throws.
   */
  handBack?(event: Event): void;

  /** Gives up on a pulled event now: moves it, with `reason`, to the dead-letter store. Required with `deadLetter`. */
  nack?(event: Event, reason?: string): Promise<void>;

  /**
   * How many times the event, as pulled, has been delivered: 1 the first time. The handler
   * context's `attempt`. Required with `redelivery` (a released event comes back on attempt 2);
   * a backend without it has every event on its first attempt.
   */
  deliveryAttempt?(event: Event): number;

  /** The synchronous operations; present exactly when `capabilities.synchronous`. */
  readonly sync?: SyncBackendOps;

  /** Releases resources; pending `pull`s resolve `null`. Must be idempotent. */
  close?(): Promise<void>;

  /** Reports whether the backend can serve, and how fast. Never rejects. */
  health?(): Promise<BackendHealth>;

  /**
   * The store of the schema registry shared by every process on this backend's events (see
   * `SchemaRegistry`): the same store for every call. Optional: a backend without one cannot
   * check a catalog against the versions other processes published. The in-memory backend keeps
   * it in a map; on Redis, `RedisSchemaRegistryStore` keeps it in the hash `<stream>:schemas`.
   */
  schemaRegistry?(): SchemaRegistryStore;
}
