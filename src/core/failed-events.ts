/**
 * The failed-event store: events the Spine could not enqueue (enqueue failure mode "store") or
 * whose handler failed (handler failure mode "store"), kept for inspection and replay. Bounded:
 * past its capacity the oldest entry is dropped and counted, so a failing dependency cannot
 * exhaust memory.
 */
import type { Event } from "./event.js";

/**
 * Where in the Spine an event failed ("loop": stopped past `maxHops`, in process; "schema": a
 * pulled event its catalog could not read, in process).
 */
export type FailureStage = "enqueue" | "handler" | "loop" | "schema";

/** One failed event and why it failed. */
export interface FailedEvent {
  readonly event: Event;
  readonly error: unknown;
  readonly stage: FailureStage;
  /** The organ whose handler failed; set for stage "handler" only. */
  readonly organ?: string;
  /** When it failed, epoch ms. */
  readonly failedAt: number;
}

export class FailedEventStore {
  readonly capacity: number;
  #items: FailedEvent[] = [];
  #start = 0;
  #dropped = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** How many entries were dropped to make room. */
  get dropped(): number {
    return this.#dropped;
  }

  add(entry: FailedEvent): void {
    if (this.capacity === 0) {
      this.#dropped++;
      return;
    }
    if (this.#items.length - this.#start >= this.capacity) {
      this.#start++;
      this.#dropped++;
      // Compact now and then rather than shifting on every add.
      if (this.#start >= this.capacity) {
        this.#items = this.#items.slice(this.#start);
        this.#start = 0;
      }
    }
    this.#items.push(Object.freeze(entry));
  }

  /** The entries, oldest first, as a new frozen array. */
  list(): readonly FailedEvent[] {
    return Object.freeze(this.#items.slice(this.#start));
  }

  /** Empties the store and returns what it held. */
  drain(): readonly FailedEvent[] {
    const out = this.list();
    this.#items = [];
    this.#start = 0;
    return out;
  }
}
