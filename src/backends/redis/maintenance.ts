/**
 * The consumer's background work, started by its first pull (a producer never claims anything):
 * a recovery round every `claimIntervalMs` (see recovery.ts), and a keep-alive that resets the
 * idle time of held entries every third of `claimMinIdleMs`, so a slow handler keeps its entry.
 * Failures back off and are logged through the bounded outage log.
 */
import type { Logger } from "../../core/logging.js";
import { isNoGroupError, type StreamClient, type StreamEntry } from "./client.js";
import type { HeldEntries } from "./held-entries.js";
import type { MetricsCounter } from "./metrics.js";
import type { ResolvedRedisBackendOptions } from "./options.js";
import type { OutageLog } from "./outage-log.js";
import { recoverIdleEntries } from "./recovery.js";
import { TOUCH } from "./scripts.js";

/** Longest extra pause after failed recovery rounds. */
const MAX_BACKOFF_MS = 2_000;

export interface MaintenanceHost {
  readonly client: StreamClient;
  readonly options: ResolvedRedisBackendOptions;
  readonly metrics: MetricsCounter;
  readonly log: Logger;
  readonly outage: OutageLog;
  readonly held: HeldEntries;
  /** Takes claimed entries for `pull`. */
  accept(entries: readonly StreamEntry[], deliveries: ReadonlyMap<string, number>): void;
  /** The consumer group turned out to be missing. */
  groupMissing(): void;
}

export class Maintenance {
  readonly #host: MaintenanceHost;
  #recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  #touchTimer: ReturnType<typeof setInterval> | undefined;
  #failures = 0;
  #stopped = false;

  constructor(host: MaintenanceHost) {
    this.#host = host;
    this.#schedule(0);
    const every = Math.max(5, Math.floor(host.options.claimMinIdleMs / 3));
    this.#touchTimer = setInterval(() => this.#touch(), every);
    this.#touchTimer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#recoveryTimer);
    clearInterval(this.#touchTimer);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#recoveryTimer = setTimeout(() => void this.#recover(), delayMs);
    this.#recoveryTimer.unref();
  }

  async #recover(): Promise<void> {
    const host = this.#host;
    let more = false;
    try {
      more = await recoverIdleEntries({
        client: host.client,
        options: host.options,
        metrics: host.metrics,
        log: host.log,
        heldIds: () => host.held.ids(),
        freeSlots: () => host.options.batchSize - host.held.size,
        accept: (entries, deliveries) => host.accept(entries, deliveries),
      });
      this.#failures = 0;
    } catch (error) {
      if (isNoGroupError(error)) host.groupMissing();
      else host.outage.taskFailed("recovery of idle entries", error);
      this.#failures++;
    }
    const interval = host.options.claimIntervalMs;
    const pause = this.#failures === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 25 * 2 ** this.#failures);
    this.#schedule(more ? 0 : interval + pause);
  }

  #touch(): void {
    const { client, held, options, outage } = this.#host;
    if (held.size === 0 || outage.down) return;
    client
      .runScript(
        TOUCH,
        [options.streamKey],
        [options.consumerGroup, options.consumerName, ...held.ids()],
      )
      .catch((error: unknown) => outage.taskFailed("keep-alive of entries in hand", error));
  }
}
