/**
 * What one consumer holds: entries read and not yet settled (acked, committed, dead-lettered or
 * released), whether still in the local batch or handed out by `pull`. Deliveries are tracked
 * per Event object, not per event id: the same id may legitimately be in the stream twice.
 */
import type { Event } from "../../core/event.js";

/** Where a delivered Event object came from, and how often that entry has been delivered. */
export interface Delivery {
  readonly id: string;
  /** Deliveries of this entry (its XPENDING delivery count). */
  readonly deliveries: number;
  /**
   * Deliveries of the event, counting the entries it was released from: the entry's `attempt`
   * field (1 when absent) plus its deliveries after the first.
   */
  readonly attempt: number;
}

/** Handed-back entry ids remembered at most. */
const MAX_HANDED_BACK = 10_000;

export class HeldEntries {
  /** Held and not yet handed out, oldest first. */
  #batch: Event[] = [];
  /**
   * The events held, and where each came from. A Map, not a WeakMap: every entry is deleted when
   * its event settles, and weak collections cost the garbage collector dearly at this rate.
   */
  readonly #held = new Map<Event, Delivery>();
  /** Events whose ack or commit failed, kept until that call is retried (or forever dropped). */
  readonly #keptForRetry = new WeakMap<Event, Delivery>();
  /**
   * Kept after the event is settled: its attempt may be read after its ack (by an observer).
   * Only attempts past the first are kept: an event missing here is on attempt 1.
   */
  readonly #redelivered = new WeakMap<Event, number>();
  #wakers: (() => void)[] = [];
  /**
   * Entries this consumer handed back (its run stopped before handling them) and has not pulled
   * since. Its own recovery leaves them to consumers that pull: a stopped worker whose backend
   * stays open would otherwise claim them back and hold them, kept alive, for nobody.
   */
  readonly #handedBack = new Set<string>();

  /** How many entries are held. */
  get size(): number {
    return this.#held.size;
  }

  /** Holds `event` and queues it for `pull`. */
  add(event: Event, delivery: Delivery): void {
    if (delivery.attempt > 1) this.#redelivered.set(event, delivery.attempt);
    this.#held.set(event, delivery);
    this.#batch.push(event);
  }

  /** The attempt `event` was delivered on (1 the first time), held or settled. */
  attempt(event: Event): number {
    return this.#redelivered.get(event) ?? 1;
  }

  /** The oldest event not yet handed out. */
  take(): Event | undefined {
    return this.#batch.shift();
  }

  /** Where `event` came from, while it is held or kept for a retry. */
  delivery(event: Event): Delivery | undefined {
    return this.#held.get(event) ?? this.#keptForRetry.get(event);
  }

  /** Stops holding `event` (no more keep-alive) and frees its slot. */
  settle(event: Event): Delivery | undefined {
    const delivery = this.#held.get(event);
    if (delivery !== undefined) {
      this.#held.delete(event);
      this.wake();
      return delivery;
    }
    const kept = this.#keptForRetry.get(event);
    if (kept !== undefined) this.#keptForRetry.delete(event);
    return kept;
  }

  /**
   * Remembers `event` again after its ack or commit failed, so a retry of that call can still
   * name its entry. It is not held: once idle, the entry is delivered again.
   */
  keepForRetry(event: Event, delivery: Delivery): void {
    this.#keptForRetry.set(event, delivery);
  }

  /** Where each held event not yet handed out came from. */
  untaken(): Delivery[] {
    const out: Delivery[] = [];
    for (const event of this.#batch) {
      const delivery = this.#held.get(event);
      if (delivery !== undefined) out.push(delivery);
    }
    return out;
  }

  /** The entry ids held now. */
  ids(): Set<string> {
    const ids = new Set<string>();
    for (const delivery of this.#held.values()) ids.add(delivery.id);
    return ids;
  }

  /** Notes that the entry `id` was handed back; see {@link isHandedBack}. */
  markHandedBack(id: string): void {
    // Bounded: a consumer that never pulls again has no more entries to hand back, but a
    // Spine may run many times on take() alone.
    if (this.#handedBack.size >= MAX_HANDED_BACK) this.#handedBack.clear();
    this.#handedBack.add(id);
  }

  /** Whether this consumer handed back the entry `id` and has not pulled since. */
  isHandedBack(id: string): boolean {
    return this.#handedBack.size > 0 && this.#handedBack.has(id);
  }

  /** A pull started: this consumer takes entries again, the ones it handed back included. */
  pulling(): void {
    if (this.#handedBack.size > 0) this.#handedBack.clear();
  }

  /** Forgets everything (on close: what was held stays pending in Redis). */
  clear(): void {
    this.#batch = [];
    this.#held.clear();
    this.wake();
  }

  /** Wakes every {@link sleep}. */
  wake(): void {
    const wakers = this.#wakers;
    if (wakers.length === 0) return;
    this.#wakers = [];
    for (const wake of wakers) wake();
  }

  /** Waits up to `ms`, or until {@link wake} (entries arrived, a slot freed, close) or abort. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.#wakers.push(done);
    });
  }
}
