/**
 * One handling step of recorded events, in process: an event is handed to the organs by a
 * Spine over a {@link RecordingBackend}, whose `enqueue` keeps what they emit instead of queueing
 * it. So a dry run or a re-run handles exactly the events it is given, one hop at a time, and
 * writes nothing anywhere: the source is never touched.
 *
 * The Spine is the real one (routing, middleware, lineage stamping, the catalog's upcasting and
 * checks, loop protection): what is emitted here is what a worker would emit, side effects of
 * the organs themselves aside.
 */
import type { Backend, BackendCapabilities, BackendHealth } from "../backend.js";
import type { Catalog } from "../catalog/catalog.js";
import { messageOf } from "../errors.js";
import type { Event } from "../event.js";
import type { Organ } from "../organ.js";
import { Spine } from "../spine.js";

/**
 * A backend for one step at a time: `feed` queues events to handle; what the organs emit is
 * kept for {@link RecordingBackend.takeEmitted}, never handled.
 */
export class RecordingBackend implements Backend {
  readonly capabilities: BackendCapabilities = Object.freeze({
    durable: false,
    atomicCommit: false,
    synchronous: false,
    delayedRelease: false,
    deadLetter: false,
    redelivery: false,
  });
  #queue: Event[] = [];
  #emitted: Event[] = [];

  /** Queues `event` to be handled by the next run. */
  feed(event: Event): void {
    this.#queue.push(event);
  }

  /** What was emitted since the last call, in order. */
  takeEmitted(): Event[] {
    return this.#emitted.splice(0);
  }

  async enqueue(event: Event): Promise<void> {
    this.#emitted.push(event);
  }

  async pull(): Promise<Event | null> {
    return this.#queue.shift() ?? null;
  }

  async ack(): Promise<void> {}

  async close(): Promise<void> {
    this.#queue = [];
  }

  async health(): Promise<BackendHealth> {
    return { healthy: true, latencyMs: 0, details: { queued: this.#queue.length } };
  }
}

/** An organ's failure while handling one event. */
export interface HopFailure {
  /** The organ, when the failure was its handler's. */
  readonly organ?: string;
  /** Where it failed: `handler`, `schema`, `loop`, `enqueue`. */
  readonly stage: string;
  readonly message: string;
}

/** What the organs did with one event. */
export interface HopResult {
  readonly event: Event;
  /** What they emitted, in order. */
  readonly emitted: readonly Event[];
  /** Handlers that failed (the others' emissions are still listed). */
  readonly failures: readonly HopFailure[];
}

/** Options of {@link HopRunner}. */
export interface HopRunnerOptions {
  /** The event catalog the organs run with (upcasting older events, checking payloads). */
  readonly catalog?: Catalog | undefined;
  /** How long a handler may take. @defaultValue 30,000 */
  readonly handlerTimeoutMs?: number | undefined;
}

/** Hands recorded events to organs one at a time, in process, and says what each emitted. */
export class HopRunner {
  readonly #backend = new RecordingBackend();
  readonly #spine: Spine;

  constructor(organs: readonly Organ[], options: HopRunnerOptions = {}) {
    this.#spine = new Spine({
      backend: this.#backend,
      organs: [...organs],
      logger: false,
      handlerFailureMode: "store",
      // Each run handles one event: the recorded hop is not a reason to stop.
      maxHops: Number.POSITIVE_INFINITY,
      ...(options.catalog !== undefined ? { catalog: options.catalog } : {}),
      ...(options.handlerTimeoutMs !== undefined
        ? { handlerTimeoutMs: options.handlerTimeoutMs }
        : {}),
    });
  }

  /** Handles `event` (one step: what it emits is recorded, not handled). */
  async handle(event: Event): Promise<HopResult> {
    const before = this.#failures();
    this.#backend.feed(event);
    await this.#spine.run(undefined, { until: "idle" });
    const failed = this.#spine.failedEvents();
    const fresh = failed.slice(Math.max(0, failed.length - (this.#failures() - before)));
    return {
      event,
      emitted: this.#backend.takeEmitted(),
      failures: fresh.map((item) => ({
        ...(item.organ !== undefined ? { organ: item.organ } : {}),
        stage: item.stage,
        message: messageOf(item.error),
      })),
    };
  }

  /** Failures ever stored: the store is bounded, so its length alone stops growing. */
  #failures(): number {
    return this.#spine.failedEvents().length + this.#spine.getStats().failedEventsDropped;
  }
}
