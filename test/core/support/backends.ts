/**
 * Hand-written backends for the failures the in-memory backend cannot produce: enqueues and pulls
 * that throw. They keep a real FIFO queue and have no synchronous fast path, so the Spine takes
 * the same path it takes with a durable backend.
 */
import type { Backend, BackendCapabilities, Event } from "../../../src/index.js";

/** Declares nothing: the capabilities a plain ScriptedBackend has. */
const NONE: BackendCapabilities = {
  durable: false,
  atomicCommit: false,
  synchronous: false,
  delayedRelease: false,
  deadLetter: false,
  redelivery: false,
};

export interface ScriptedBackendOptions {
  /**
   * Called before each enqueue with the event and the 1-based number of this enqueue call; a
   * thrown error becomes the enqueue's rejection.
   */
  onEnqueue?: (event: Event, call: number) => void;
  /** Called before each pull with the 1-based number of this pull call; same as onEnqueue. */
  onPull?: (call: number) => void;
  /**
   * What it declares; a capability not given is false. It backs none of them itself: a subclass
   * that declares one adds the methods it needs.
   */
  capabilities?: Partial<BackendCapabilities>;
}

export class ScriptedBackend implements Backend {
  readonly capabilities: BackendCapabilities;
  readonly queue: Event[] = [];
  readonly acked: Event[] = [];
  readonly nacked: Event[] = [];
  /** Every enqueue attempt, successful or not, with the time it was made. */
  readonly enqueueCalls: { event: Event; at: number }[] = [];
  pullCalls = 0;
  readonly #options: ScriptedBackendOptions;
  #waiter: ((event: Event | null) => void) | undefined;

  constructor(options: ScriptedBackendOptions = {}) {
    this.#options = options;
    this.capabilities = { ...NONE, ...options.capabilities };
  }

  async enqueue(event: Event): Promise<void> {
    this.enqueueCalls.push({ event, at: performance.now() });
    this.#options.onEnqueue?.(event, this.enqueueCalls.length);
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter(event);
    } else {
      this.queue.push(event);
    }
  }

  pull(timeoutMs = 1_000, signal?: AbortSignal): Promise<Event | null> {
    this.pullCalls++;
    try {
      this.#options.onPull?.(this.pullCalls);
    } catch (error) {
      return Promise.reject(error);
    }
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const done = (event: Event | null): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (this.#waiter === done) this.#waiter = undefined;
        resolve(event);
      };
      const onAbort = (): void => done(null);
      const timer = setTimeout(() => done(null), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiter = done;
    });
  }

  async ack(event: Event): Promise<void> {
    this.acked.push(event);
  }

  async nack(event: Event): Promise<void> {
    this.nacked.push(event);
  }
}
