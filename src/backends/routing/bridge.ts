/**
 * Bridge: forwards the events of one backend to another, each exactly once (forwarder.ts: the
 * target's idempotent enqueue, then the source's ack), for migrations and hybrid set-ups. What
 * `necrostack bridge` runs.
 */
import type { Backend } from "../../core/backend.js";
import { InvalidOptionError } from "../../core/errors.js";
import type { Event } from "../../core/event.js";
import { errorField, type Logger, resolveLogger } from "../../core/logging.js";
import { backoff } from "../../utils/backoff.js";
import { abortableSleep } from "../../utils/timing.js";
import { ForwardTargetError } from "./errors.js";
import { Forwarder, type ForwardMetrics } from "./forwarder.js";
import { compileTypePatterns, type TypeMatcher } from "./type-patterns.js";

export interface BridgeOptions {
  /** Where events are taken from. */
  readonly from: Backend;
  /** Where they are added; a durable one must declare `idempotentEnqueue`. */
  readonly to: Backend;
  /**
   * Event-type patterns (`*` matches any run of characters): only these are forwarded; the
   * others are acked on the source and not forwarded.
   * @defaultValue every type
   */
  readonly types?: readonly string[];
  /** Forwards under way at once. @defaultValue 64 */
  readonly maxInFlight?: number;
  /** Source pull failures in a row after which `run` rejects. @defaultValue 30 */
  readonly maxConsecutiveFailures?: number;
  /** A pino logger (as its child `necrostack.bridge`), or `false` for none. */
  readonly logger?: Logger | false;
}

/** What a bridge has done. */
export interface BridgeMetrics extends ForwardMetrics {
  /** Events of a type not in `types`, acked on the source and not forwarded. */
  readonly skipped: number;
}

/** How long a pull waits for an event before looking at the stop signal again. */
const PULL_TIMEOUT_MS = 1_000;
const FAILURE_BACKOFF = { initialMs: 100, factor: 2, maxMs: 2_000 } as const;

export class Bridge {
  readonly #from: Backend;
  readonly #to: Backend;
  readonly #matches: TypeMatcher;
  readonly #forwarder: Forwarder;
  readonly #maxFailures: number;
  readonly #maxInFlight: number;
  readonly #log: Logger;
  /** Acks of skipped events under way. */
  readonly #skips = new Set<Promise<void>>();
  #skipped = 0;

  constructor(options: BridgeOptions) {
    const { from, to } = options;
    const caps = to?.capabilities;
    if (caps?.durable === true && (caps.idempotentEnqueue !== true || !to.enqueueOnce)) {
      throw new ForwardTargetError("to", "a durable backend");
    }
    this.#from = from;
    this.#to = to;
    this.#matches =
      options.types === undefined ? () => true : compileTypePatterns(options.types, "types");
    const maxInFlight = options.maxInFlight ?? 64;
    if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) {
      throw new InvalidOptionError("maxInFlight", "an integer >= 1", maxInFlight);
    }
    this.#maxInFlight = maxInFlight;
    this.#maxFailures = options.maxConsecutiveFailures ?? 30;
    if (!Number.isSafeInteger(this.#maxFailures) || this.#maxFailures < 1) {
      throw new InvalidOptionError("maxConsecutiveFailures", "an integer >= 1", this.#maxFailures);
    }
    this.#log = resolveLogger(options.logger, "necrostack.bridge");
    this.#forwarder = new Forwarder({ maxInFlight, retryDelayMs: 1_000, log: this.#log });
  }

  get metrics(): BridgeMetrics {
    return { ...this.#forwarder.metrics, skipped: this.#skipped };
  }

  /**
   * Forwards until `signal` aborts, then waits for the forwards under way. Rejects with the last
   * failure once the source failed `maxConsecutiveFailures` pulls in a row. Closes neither backend.
   */
  async run(signal: AbortSignal): Promise<BridgeMetrics> {
    let failures = 0;
    try {
      while (!signal.aborted) {
        if (this.#forwarder.busy) await this.#forwarder.whenFree();
        if (this.#skips.size >= this.#maxInFlight) await Promise.race(this.#skips);
        let event: Event | null | undefined = this.#from.take?.();
        if (event === undefined) {
          try {
            event = await this.#from.pull(PULL_TIMEOUT_MS, signal);
            failures = 0;
          } catch (error) {
            if (++failures >= this.#maxFailures) throw error;
            this.#log.warn(
              { error: errorField(error), failures },
              "Pulling from the bridge's source failed; trying again",
            );
            await abortableSleep(backoff(FAILURE_BACKOFF, failures), signal);
            continue;
          }
          if (event === null) continue;
        }
        if (this.#matches(event.eventType)) this.#forwarder.start(this.#from, this.#to, event);
        else this.#skip(event);
      }
    } finally {
      await this.#forwarder.settled();
      await Promise.all([...this.#skips]);
    }
    return this.metrics;
  }

  #skip(event: Event): void {
    this.#skipped++;
    const skipping = this.#from.ack(event).catch((error: unknown) => {
      this.#log.warn(
        { event_id: event.id, error: errorField(error) },
        "Acking a skipped event failed",
      );
    });
    this.#skips.add(skipping);
    void skipping.then(() => this.#skips.delete(skipping));
  }
}
