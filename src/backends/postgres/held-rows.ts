/**
 * What one consumer holds: rows claimed and not yet settled (acked, committed, released or
 * dead-lettered), whether still in the local batch or handed out by `pull`. Tracked per Event
 * object, not per event id: the same id may legitimately be in the table twice.
 */
import type { Event } from "../../core/event.js";

/** The row a delivered Event object came from, and its delivery count when claimed. */
export interface Delivery {
  /** The row's `seq` (bigint, as text). */
  readonly seq: string;
  /** The row's `attempt` as this claim set it: the lease guard of every later statement. */
  readonly attempt: number;
}

export class HeldRows {
  /** Claimed and not yet handed out, oldest first; `#head` is the next one. */
  #batch: Event[] = [];
  #head = 0;
  /** Every Event held, and its row. Entries are deleted when they settle. */
  readonly #held = new Map<Event, Delivery>();
  /** Attempts past the first, kept after settling: an observer may read it after the ack. */
  readonly #redelivered = new WeakMap<Event, number>();

  /** How many rows are held. */
  get size(): number {
    return this.#held.size;
  }

  /** How many claimed events wait to be handed out. */
  get ready(): number {
    return this.#batch.length - this.#head;
  }

  /** Adds a claimed row to the batch. */
  add(event: Event, delivery: Delivery): void {
    this.#held.set(event, delivery);
    if (delivery.attempt > 1) this.#redelivered.set(event, delivery.attempt);
    this.#batch.push(event);
  }

  /** The oldest event of the batch, now handed out; undefined when the batch is empty. */
  take(): Event | undefined {
    if (this.#head >= this.#batch.length) return undefined;
    const event = this.#batch[this.#head] as Event;
    this.#head++;
    if (this.#head === this.#batch.length) {
      this.#batch = [];
      this.#head = 0;
    }
    return event;
  }

  /** Stops holding `event`; resolves where it came from, or undefined when it is not held. */
  settle(event: Event): Delivery | undefined {
    const delivery = this.#held.get(event);
    if (delivery !== undefined) this.#held.delete(event);
    return delivery;
  }

  /** The delivery count of `event` as pulled: 1 for one this consumer does not know. */
  attempt(event: Event): number {
    return this.#held.get(event)?.attempt ?? this.#redelivered.get(event) ?? 1;
  }

  /** The `seq` of every row held, for the lease renewal. */
  seqs(): string[] {
    return Array.from(this.#held.values(), (delivery) => delivery.seq);
  }

  /**
   * Empties everything: what was never handed out, and what was handed out and not settled,
   * for `close()` to give back.
   */
  drain(): { untaken: Delivery[]; unsettled: Delivery[] } {
    const untaken = new Set(this.#batch.slice(this.#head));
    const out = { untaken: [] as Delivery[], unsettled: [] as Delivery[] };
    for (const [event, delivery] of this.#held) {
      (untaken.has(event) ? out.untaken : out.unsettled).push(delivery);
    }
    this.#held.clear();
    this.#batch = [];
    this.#head = 0;
    return out;
  }
}
