/**
 * An in-process FIFO queue for development and tests. At-most-once: events live in this
 * process's memory only, `ack` does nothing, and nothing is redelivered.
 *
 * It declares neither `redelivery` nor `delayedRelease`: a delayed release would sit on a timer
 * the Spine's idle check cannot see, so `run({ until: "idle" })` could end with a retry still
 * due. In one process the Spine retries a failed event itself, which needs no queue at all.
 */

import type {
  Backend,
  BackendCapabilities,
  BackendHealth,
  SyncBackendOps,
} from "../core/backend.js";
import { BackendClosedError, BackendFullError, InvalidOptionError } from "../core/errors.js";
import type { Event } from "../core/event.js";
import { InMemorySchemaRegistryStore } from "../core/registry/store.js";
import { MAX_TIMER_MS } from "../utils/timing.js";

/** Options for {@link InMemoryBackend}. */
export interface InMemoryBackendOptions {
  /**
   * The most events the queue holds; `enqueue` on a full queue throws `BackendFullError`.
   * 0 means unbounded.
   * @defaultValue 0
   */
  maxSize?: number;
}

interface Waiter {
  resolve(event: Event | null): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * FIFO queue. `pull` waits up to its timeout and resolves `null` when none arrives. `close()`
 * discards queued events and wakes waiting pulls with `null`.
 *
 * The queue is a ring of slots that grows by doubling, so enqueue and pull are O(1) with no
 * per-event allocation.
 */
export class InMemoryBackend implements Backend {
  readonly capabilities: BackendCapabilities = Object.freeze({
    durable: false,
    atomicCommit: false,
    synchronous: true,
    delayedRelease: false,
    deadLetter: false,
    redelivery: false,
  });
  /** Pull, enqueue and ack without a promise: what the Spine uses to skip an `await` per event. */
  readonly sync: SyncBackendOps = Object.freeze({
    pull: (): Event | undefined => this.#pullNow(),
    enqueue: (event: Event): void => this.#enqueueNow(event),
    ack: (_event: Event): void => {},
  });
  readonly maxSize: number;
  #ring: (Event | undefined)[] = new Array(1024);
  #head = 0;
  #size = 0;
  #closed = false;
  readonly #waiters: Waiter[] = [];
  #schemas: InMemorySchemaRegistryStore | undefined;

  constructor(options: InMemoryBackendOptions = {}) {
    const maxSize = options.maxSize ?? 0;
    if (!Number.isSafeInteger(maxSize) || maxSize < 0) {
      throw new InvalidOptionError("maxSize", "a non-negative integer (0 = unbounded)", maxSize);
    }
    this.maxSize = maxSize;
  }

  /** The schema registry of this queue's events, in this process's memory. */
  schemaRegistry(): InMemorySchemaRegistryStore {
    this.#schemas ??= new InMemorySchemaRegistryStore();
    return this.#schemas;
  }

  /** How many events are queued. */
  get size(): number {
    return this.#size;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  async enqueue(event: Event): Promise<void> {
    this.#enqueueNow(event);
  }

  #enqueueNow(event: Event): void {
    if (this.#closed) throw new BackendClosedError("enqueue");
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      settle(waiter, event);
      return;
    }
    if (this.maxSize > 0 && this.#size >= this.maxSize) throw new BackendFullError(this.maxSize);
    if (this.#size === this.#ring.length) this.#grow();
    this.#ring[(this.#head + this.#size) & (this.#ring.length - 1)] = event;
    this.#size++;
  }

  #pullNow(): Event | undefined {
    if (this.#size === 0) return undefined;
    const event = this.#ring[this.#head];
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#ring.length - 1);
    this.#size--;
    return event;
  }

  pull(timeoutMs = 1_000, signal?: AbortSignal): Promise<Event | null> {
    const queued = this.#pullNow();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed || timeoutMs <= 0 || signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, timer: undefined, signal, onAbort: undefined };
      const giveUp = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        settle(waiter, null);
      };
      // A longer timeout than a timer holds means "wait until an event, an abort or close()".
      if (timeoutMs <= MAX_TIMER_MS) waiter.timer = setTimeout(giveUp, timeoutMs);
      if (signal !== undefined) {
        waiter.onAbort = giveUp;
        signal.addEventListener("abort", giveUp, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  /**
   * Puts a pulled event back at the head of the queue, as if it had not been pulled. It may take
   * the queue one past `maxSize`: the event held that place before. Dropped once closed.
   */
  handBack(event: Event): void {
    if (this.#closed) return;
    // A pull waits only on an empty queue: the event goes to it as it would have at first.
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      settle(waiter, event);
      return;
    }
    if (this.#size === this.#ring.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#ring.length - 1);
    this.#ring[this.#head] = event;
    this.#size++;
  }

  /** Does nothing: an in-memory event is gone once pulled. */
  async ack(_event: Event): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true;
    this.#ring = new Array(1024);
    this.#head = 0;
    this.#size = 0;
    for (const waiter of this.#waiters.splice(0)) settle(waiter, null);
  }

  async health(): Promise<BackendHealth> {
    return {
      healthy: !this.#closed,
      latencyMs: 0,
      details: { size: this.#size, maxSize: this.maxSize, closed: this.#closed },
    };
  }

  #grow(): void {
    const old = this.#ring;
    const next: (Event | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#ring = next;
    this.#head = 0;
  }
}

function settle(waiter: Waiter, value: Event | null): void {
  if (waiter.timer !== undefined) clearTimeout(waiter.timer);
  if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
  waiter.resolve(value);
}
