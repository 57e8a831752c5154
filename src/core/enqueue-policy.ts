/**
 * What happens when the backend refuses an event: the enqueue failure modes. "store" keeps it in
 * the failed-event store and goes on; "retry" tries again with a capped backoff whose waits end
 * at `stop()`; "fail" (and "retry" once its tries are spent) makes the run reject with
 * `EnqueueError`. Each event is reported once per failed try; stats count it once.
 */
import { type BackoffOptions, backoff } from "../utils/backoff.js";
import { abortableSleep } from "../utils/timing.js";
import { EnqueueError } from "./errors.js";
import type { Event } from "./event.js";
import type { FailedEventStore } from "./failed-events.js";
import type { ObserverHooks } from "./observer.js";
import type { EnqueueFailureMode } from "./spine-options.js";

/** Why a delivery failed: the last error, and whether the events were kept in the failed-event store (else the failure is fatal to the run). */
export interface DeliveryFailure {
  readonly error: unknown;
  readonly stored: boolean;
}

/** The longest wait between enqueue retries. */
const MAX_RETRY_DELAY_MS = 30_000;

export interface EnqueuePolicyOptions {
  readonly mode: EnqueueFailureMode;
  readonly retryAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly failed: FailedEventStore;
  readonly hooks: ObserverHooks;
  /** Ends every retry wait (the Spine's stop). */
  readonly signal: AbortSignal;
  /** Records the error the run will reject with. */
  fatal(error: EnqueueError): void;
}

export class EnqueuePolicy {
  readonly #options: EnqueuePolicyOptions;
  readonly #backoff: BackoffOptions;

  constructor(options: EnqueuePolicyOptions) {
    this.#options = options;
    this.#backoff = { initialMs: options.retryBaseDelayMs, factor: 2, maxMs: MAX_RETRY_DELAY_MS };
  }

  /**
   * Sends `events` with `send` (after `firstError`, when the first try already failed) under the
   * failure mode. Resolves undefined once sent, else the failure.
   */
  async deliver(
    events: readonly Event[],
    send: () => Promise<void>,
    firstError?: unknown,
  ): Promise<DeliveryFailure | undefined> {
    const { mode, retryAttempts, failed, hooks, signal } = this.#options;
    let error = firstError;
    if (error === undefined) {
      try {
        await send();
        return undefined;
      } catch (e) {
        error = e;
      }
    }
    const attempts = mode === "retry" ? retryAttempts + 1 : 1;
    if (mode === "store") {
      for (const event of events) {
        hooks.enqueueError?.(event, error, { outcome: "stored", attempt: 1, attempts, delayMs: 0 });
        failed.add({ event, error, stage: "enqueue", failedAt: Date.now() });
      }
      return { error, stored: true };
    }
    let attempt = 1;
    if (mode === "retry") {
      while (attempt < attempts && !signal.aborted) {
        const delayMs = backoff(this.#backoff, attempt);
        for (const event of events) {
          hooks.enqueueError?.(event, error, { outcome: "retrying", attempt, attempts, delayMs });
        }
        await abortableSleep(delayMs, signal);
        attempt++;
        try {
          await send();
          return undefined;
        } catch (e) {
          error = e;
        }
      }
    }
    const fatal = new EnqueueError(events[0] as Event, attempt, error);
    for (const event of events) {
      hooks.enqueueError?.(event, fatal, { outcome: "fatal", attempt, attempts, delayMs: 0 });
    }
    this.#options.fatal(fatal);
    return { error: fatal, stored: false };
  }
}
