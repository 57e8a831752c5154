/**
 * FailoverBackend: two backends of the same kind of queue, a primary and a secondary, used as
 * one so that producers keep going while the primary is down.
 *
 * - `enqueue` goes to the primary; one it fails goes to the secondary at once, and after
 *   `failAfter` failures in a row every enqueue goes to the secondary, while the primary's
 *   `health()` is probed in the background once every `probeIntervalMs` (enqueue-target.ts);
 *   once it answers healthy, enqueues go to it again.
 * - `pull` and `take` take from both, fairly (fan-in.ts), so nothing enqueued on either is
 *   left behind; a pull rejects only when both backends fail.
 * - `ack`, `commit`, `release`, `nack` and `handBack` go to the backend the event came from:
 *   a commit is that backend's own atomic commit, its emitted events staying beside it.
 * - A copy of an event on both backends (an enqueue the primary stored but never confirmed,
 *   then sent to the secondary) is dropped by id: each side remembers the ids it handed out, in
 *   a window bounded in count and age (the Spine's dedupe store), and an event whose id the
 *   other side handed out is acked where it lies and not handed out. A redelivery from the same
 *   side is handed out: its first delivery was never committed.
 *
 * Capabilities are the intersection of what the two declare, never `synchronous`.
 */
import type {
  Backend,
  BackendCapabilities,
  BackendHealth,
  ReleaseOptions,
} from "../../core/backend.js";
import { DedupeStore } from "../../core/dedupe-store.js";
import { BackendClosedError } from "../../core/errors.js";
import { Event } from "../../core/event.js";
import { errorField, type Logger, resolveLogger } from "../../core/logging.js";
import { healthOf, type SharedCapability, sharedCapabilities } from "../composite.js";
import { FanIn } from "../fan-in.js";
import { EnqueueTarget, type Side } from "./enqueue-target.js";
import {
  type FailoverBackendOptions,
  type ResolvedFailoverOptions,
  resolveFailoverOptions,
} from "./options.js";

/** What a failover pair has done. */
export interface FailoverMetrics {
  /** Where enqueues go now. */
  readonly active: Side;
  /** How many times enqueues moved from one backend to the other. */
  readonly switches: number;
  /** Enqueues the primary failed (each then sent to the secondary). */
  readonly primaryFailures: number;
  /** Copies found on both backends, dropped. */
  readonly copiesDropped: number;
}

/** What `FailoverBackend.health()` reports in `details`. */
export interface FailoverHealthDetails extends FailoverMetrics {
  readonly primary: BackendHealth;
  readonly secondary: BackendHealth;
}

const CAPABILITIES = [
  "durable",
  "atomicCommit",
  "delayedRelease",
  "deadLetter",
  "redelivery",
] as const satisfies readonly SharedCapability[];

export class FailoverBackend implements Backend, AsyncDisposable {
  readonly capabilities: BackendCapabilities;
  readonly primary: Backend;
  readonly secondary: Backend;
  readonly #options: ResolvedFailoverOptions;
  readonly #target: EnqueueTarget;
  readonly #fanIn: FanIn;
  /** How a commit adds what an event none of the backends handed out emitted. */
  readonly #enqueueNext = (event: Event): Promise<void> => this.enqueue(event);
  readonly #log: Logger;
  /** The ids each side handed out: [primary, secondary]. */
  readonly #seen: readonly [DedupeStore, DedupeStore];
  /** Acks of dropped copies under way. */
  readonly #drops = new Set<Promise<void>>();
  /** The probe of the primary under way. */
  #probing: Promise<void> | undefined;
  #primaryFailures = 0;
  #copiesDropped = 0;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: FailoverBackendOptions) {
    this.#options = resolveFailoverOptions(options);
    this.primary = this.#options.primary;
    this.secondary = this.#options.secondary;
    this.capabilities = sharedCapabilities([this.primary, this.secondary], CAPABILITIES);
    this.#target = new EnqueueTarget(this.#options.failAfter, this.#options.probeIntervalMs);
    this.#fanIn = new FanIn([this.primary, this.secondary], "all");
    this.#log = resolveLogger(this.#options.logger, "necrostack.failover");
    this.#seen = [new DedupeStore(this.#options.dedupe), new DedupeStore(this.#options.dedupe)];
  }

  get metrics(): FailoverMetrics {
    return {
      active: this.#target.active,
      switches: this.#target.switches,
      primaryFailures: this.#primaryFailures,
      copiesDropped: this.#copiesDropped,
    };
  }

  /**
   * Adds `event` to the primary, or to the secondary when the primary fails it or is off. Rejects
   * only when the backend it ends on rejects.
   */
  async enqueue(event: Event): Promise<void> {
    if (!(event instanceof Event)) {
      throw new TypeError(`enqueue() takes an Event, got ${typeof event}`);
    }
    if (this.#closed) throw new BackendClosedError("enqueue");
    if (this.#target.active === "primary") {
      try {
        await this.primary.enqueue(event);
        if (this.#target.primarySucceeded()) {
          this.#log.info("The primary answers again: enqueues go to it");
        }
        return;
      } catch (error) {
        this.#primaryFailures++;
        if (this.#target.primaryFailed(performance.now())) {
          this.#log.warn(
            { error: errorField(error), probe_interval_ms: this.#options.probeIntervalMs },
            "The primary failed enqueues in a row: enqueues go to the secondary",
          );
        }
      }
    } else this.#probe();
    await this.secondary.enqueue(event);
  }

  /**
   * The next event from either backend, waiting up to `timeoutMs`; a copy of an event the other
   * side handed out is dropped, not handed out. Resolves null on timeout, abort or close;
   * rejects only when both backends fail.
   */
  async pull(timeoutMs = 1_000, signal?: AbortSignal): Promise<Event | null> {
    if (this.#closed) return null;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = Math.max(0, Math.ceil(deadline - performance.now()));
      const event = await this.#fanIn.pull(left, signal);
      if (event === null) return null;
      if (this.#admit(event)) return event;
      if (this.#closed || signal?.aborted === true || left === 0) return null;
    }
  }

  take(): Event | undefined {
    if (this.#closed) return undefined;
    for (;;) {
      const event = this.#fanIn.take();
      if (event === undefined || this.#admit(event)) return event;
    }
  }

  ack(event: Event): Promise<void> {
    return this.#fanIn.ack(event);
  }

  /** The atomic commit of the backend `event` came from; for an event neither handed out, enqueues `emitted`. */
  commit(event: Event, emitted: readonly Event[]): Promise<void> {
    return this.#fanIn.commit(event, emitted, this.#enqueueNext);
  }

  async release(event: Event, options?: ReleaseOptions): Promise<void> {
    await this.#fanIn.originOf(event)?.release?.(event, options);
  }

  handBack(event: Event): void {
    this.#fanIn.handBack(event);
  }

  async nack(event: Event, reason?: string): Promise<void> {
    await this.#fanIn.originOf(event)?.nack?.(event, reason);
  }

  deliveryAttempt(event: Event): number {
    return this.#fanIn.originOf(event)?.deliveryAttempt?.(event) ?? 1;
  }

  /** Healthy while either backend is (the pair still serves); which one is active, and both reports. */
  async health(): Promise<BackendHealth & { readonly details: FailoverHealthDetails }> {
    const [primary, secondary] = await Promise.all([
      healthOf(this.primary),
      healthOf(this.secondary),
    ]);
    return {
      healthy: primary.healthy || secondary.healthy,
      latencyMs: Math.max(primary.latencyMs, secondary.latencyMs),
      details: { ...this.metrics, primary, secondary },
    };
  }

  /** Ends pulls under way, gives back events pulled and not handed out, closes both. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Whether `event` is handed out; a copy of one the other side handed out is acked and dropped. */
  #admit(event: Event): boolean {
    const origin = this.#fanIn.originOf(event) as Backend;
    const side = origin === this.primary ? 0 : 1;
    const now = performance.now();
    const [mine, other] = side === 0 ? this.#seen : [this.#seen[1], this.#seen[0]];
    if (!other.has(event.id, now)) {
      mine.add(event.id, now);
      return true;
    }
    this.#copiesDropped++;
    const dropping = origin.ack(event).catch((error: unknown) => {
      this.#log.warn(
        { event_id: event.id, error: errorField(error) },
        "Acking a dropped copy failed; it is delivered again and dropped again",
      );
    });
    this.#drops.add(dropping);
    void dropping.then(() => this.#drops.delete(dropping));
    return false;
  }

  /**
   * Once per probe interval while enqueues go to the secondary, asks the primary's `health()`
   * in the background (an enqueue never waits for a primary that is down); a healthy answer
   * brings enqueues back to it. A primary without `health()` counts as healthy: the next
   * enqueues try it again.
   */
  #probe(): void {
    if (this.#probing !== undefined || !this.#target.probeDue(performance.now())) return;
    this.#probing = healthOf(this.primary).then((report) => {
      this.#probing = undefined;
      if (!report.healthy || this.#closed) return;
      if (this.#target.primarySucceeded()) {
        this.#log.info("The primary answers again: enqueues go to it");
      }
    });
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    await this.#fanIn.close();
    await Promise.all([...this.#drops]);
    await Promise.all([this.primary.close?.(), this.secondary.close?.()]);
  }
}
