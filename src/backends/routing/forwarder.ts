/**
 * Forwarding an event from the backend it lies on to the backend its route names, exactly once:
 * the target adds it with `enqueueOnce` (a second copy of the same id is dropped), and only then
 * is it acked on its source. A crash before the ack leaves it on the source, delivered again and
 * forwarded again, and the target drops that copy; a failed forward releases it on the source,
 * to be forwarded again later (past the source's retry limit it is dead-lettered there, kept).
 * `RoutingBackend` forwards what it pulls; `necrostack bridge` forwards a whole stream.
 */
import type { Backend } from "../../core/backend.js";
import type { Event } from "../../core/event.js";
import { errorField, type Logger } from "../../core/logging.js";

/** What a forwarder has done. */
export interface ForwardMetrics {
  /** Events added to their target and acked on their source. */
  readonly forwarded: number;
  /** Copies the target dropped because it had added their id already. */
  readonly copiesDropped: number;
  /** Forwards that failed (the event was released on its source, to be forwarded again). */
  readonly failures: number;
}

/**
 * Adds `event` to `target` once: with `enqueueOnce` where the target declares
 * `idempotentEnqueue`, else with `enqueue` (a target that keeps nothing across a crash has no
 * copy to drop). Resolves whether it was added.
 */
export async function sendOnce(target: Backend, event: Event): Promise<boolean> {
  if (target.capabilities.idempotentEnqueue === true && target.enqueueOnce !== undefined) {
    return target.enqueueOnce(event);
  }
  await target.enqueue(event);
  return true;
}

export interface ForwarderOptions {
  /** Forwards under way at once; {@link Forwarder.busy} says when it is reached. */
  readonly maxInFlight: number;
  /** How long the source waits before delivering again an event whose forward failed. */
  readonly retryDelayMs: number;
  readonly log: Logger;
}

export class Forwarder {
  readonly #options: ForwarderOptions;
  readonly #inFlight = new Set<Promise<void>>();
  /** Callers of `whenFree` waiting for a forward to end. */
  #waiting: (() => void)[] = [];
  #forwarded = 0;
  #copiesDropped = 0;
  #failures = 0;

  constructor(options: ForwarderOptions) {
    this.#options = options;
  }

  get metrics(): ForwardMetrics {
    return {
      forwarded: this.#forwarded,
      copiesDropped: this.#copiesDropped,
      failures: this.#failures,
    };
  }

  /** Whether `maxInFlight` forwards are under way. */
  get busy(): boolean {
    return this.#inFlight.size >= this.#options.maxInFlight;
  }

  /** Starts forwarding `event`, pulled from `source`, to `target`. */
  start(source: Backend, target: Backend, event: Event): void {
    const forwarding = this.#forward(source, target, event);
    this.#inFlight.add(forwarding);
    void forwarding.then(() => {
      this.#inFlight.delete(forwarding);
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const wake of waiting) wake();
    });
  }

  /** Resolves once fewer than `maxInFlight` forwards are under way. */
  async whenFree(): Promise<void> {
    while (this.busy) {
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
      });
    }
  }

  /** Resolves once every forward under way has ended. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async #forward(source: Backend, target: Backend, event: Event): Promise<void> {
    const log = this.#options.log;
    let added: boolean;
    try {
      added = await sendOnce(target, event);
    } catch (error) {
      this.#failures++;
      log.warn(
        { event_id: event.id, event_type: event.eventType, error: errorField(error) },
        "Forwarding an event to its route's backend failed; it is delivered again on its source",
      );
      await source
        .release?.(event, {
          reason: `Its forward to its route's backend failed: ${errorField(error)}`,
          delayMs: this.#options.retryDelayMs,
        })
        .catch((releaseError: unknown) => {
          log.warn(
            { event_id: event.id, error: errorField(releaseError) },
            "Releasing an event whose forward failed failed too; its source delivers it again once its lease lapses",
          );
        });
      return;
    }
    if (added) this.#forwarded++;
    else this.#copiesDropped++;
    try {
      await source.ack(event);
    } catch (error) {
      // Delivered again by its source and forwarded again: the target drops that copy.
      log.warn(
        { event_id: event.id, error: errorField(error) },
        "Acking a forwarded event on its source failed; its copy will be dropped by the target",
      );
    }
  }
}
