/**
 * What a backend implementation hands the conformance suite: how to open backends on a fresh
 * queue, and what the suite cannot learn from the backends' own `capabilities`.
 */
import type { Backend } from "../core/backend.js";

/** One event in a dead-letter store, as the suite compares it. */
export interface DeadLetter {
  /** The id of the event that was dead-lettered. */
  readonly eventId: string;
  /** Why, as the backend stored it. */
  readonly reason: string;
}

/** A fresh, empty queue. */
export interface ConformanceQueue {
  /** Opens a backend (a consumer, with its own connections) on this queue. */
  open(): Backend;
  /**
   * The dead-letter store of this queue, oldest first: how the suite sees what `nack` and an
   * exhausted `release` did. Required when the backends declare `deadLetter`.
   */
  deadLetters?(): Promise<readonly DeadLetter[]>;
}

/** Properties of the queue behind the backends that `capabilities` does not declare. */
export interface QueueFeatures {
  /** Several backends opened on one queue consume it together, each event going to one of them. */
  readonly consumerGroups: boolean;
  /** With one consumer and no redelivery, events come out in the order they went in. */
  readonly guaranteedOrder: boolean;
}

/** How the suite gets backends for one implementation. */
export interface ConformanceTarget {
  /** Names the suite: `Backend conformance: <name>`. */
  readonly name: string;
  readonly features: QueueFeatures;
  /**
   * A new, empty queue, used by one test only. Called inside the test, after the suite's
   * `beforeAll` hooks (start servers there).
   */
  newQueue(): Promise<ConformanceQueue>;
  /**
   * Restarts the store behind the queues while backends are open; they must carry on and keep
   * what was enqueued. Without it, that test is skipped.
   */
  restart?(): Promise<void>;
  /**
   * How long the backend takes to deliver again an event released without a delay, or left
   * unacked by a backend that closed (a Redis backend: `claimMinIdleMs` plus
   * `claimIntervalMs`). Tests wait this long on top of their usual bound, and this long again
   * to see that an event is not delivered again.
   * @defaultValue 0
   */
  readonly redeliveryMs?: number;
  /**
   * The attempt on which `release` dead-letters an event instead of delivering it again (a
   * Redis backend: `maxRetries`). With `redelivery` and `deadLetter` declared, the suite checks
   * it; without it, that test is skipped.
   */
  readonly maxAttempts?: number;
}
