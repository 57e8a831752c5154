/**
 * The consumer's background work, started by its first pull (a producer never claims anything):
 * - a recovery round every `claimIntervalMs` (see recovery.ts);
 * - a mover that puts delayed releases back on the stream once due (see delayed-release.ts),
 *   polling every `claimIntervalMs` clamped to 100..1000 ms, and sooner when it knows the next
 *   entry is due sooner;
 * - a keep-alive that resets the idle time of held entries every third of `claimMinIdleMs`, so a
 *   slow handler keeps its entry;
 * - a clean-up that removes consumers idle past `removeIdleConsumersAfterMs` holding nothing.
 * Failures back off and are logged through the bounded outage log. Everything here runs on the
 * command connection, and pauses only while that connection is down.
 */
import type { Logger } from "../../core/logging.js";
import { backoff } from "../../utils/backoff.js";
import { isNoGroupError, type StreamClient, type StreamEntry } from "./client.js";
import { MOVE_PAGE, moveDueEntries } from "./delayed-release.js";
import type { HeldEntries } from "./held-entries.js";
import type { MetricsCounter } from "./metrics.js";
import type { ResolvedRedisBackendOptions } from "./options.js";
import type { OutageLog } from "./outage-log.js";
import { type RecoveryRound, recoverIdleEntries } from "./recovery.js";
import { REMOVE_IDLE_CONSUMERS, TOUCH } from "./scripts.js";

/** Longest extra pause after failed recovery rounds. */
/** The extra pause after the n-th failed round in a row. */
const FAILURE_BACKOFF = { initialMs: 50, factor: 2, maxMs: 2_000 } as const;
/** Entry ids per keep-alive call: a consumer may hold any number, a call stays small. */
export const TOUCH_CHUNK = 1_000;
/** Consumers removed per clean-up round. */
const REMOVALS_PER_ROUND = 100;

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
  #cleanupTimer: ReturnType<typeof setInterval> | undefined;
  #moveTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the mover runs next (epoch ms); a release due sooner brings it forward. */
  #moveAt = Number.POSITIVE_INFINITY;
  #moving = false;
  readonly #movePollMs: number;
  #moveFailures = 0;
  #failures = 0;
  /** Where the next recovery round starts in the pending list. */
  #cursor: string | undefined;
  #stopped = false;

  constructor(host: MaintenanceHost) {
    this.#host = host;
    this.#schedule(0);
    this.#movePollMs = Math.min(1_000, Math.max(100, host.options.claimIntervalMs));
    this.#scheduleMove(0);
    const every = Math.max(5, Math.floor(host.options.claimMinIdleMs / 3));
    this.#touchTimer = setInterval(() => this.#touch(), every);
    this.#touchTimer.unref();
    const removeAfter = host.options.removeIdleConsumersAfterMs;
    if (removeAfter !== Number.POSITIVE_INFINITY) {
      const cleanupEvery = Math.min(60_000, Math.max(100, Math.floor(removeAfter / 2)));
      this.#cleanupTimer = setInterval(() => this.#removeIdleConsumers(), cleanupEvery);
      this.#cleanupTimer.unref();
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#recoveryTimer);
    clearTimeout(this.#moveTimer);
    clearInterval(this.#touchTimer);
    clearInterval(this.#cleanupTimer);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#recoveryTimer = setTimeout(() => void this.#recover(), delayMs);
    this.#recoveryTimer.unref();
  }

  async #recover(): Promise<void> {
    const host = this.#host;
    let round: RecoveryRound | undefined;
    try {
      round = await recoverIdleEntries(
        {
          client: host.client,
          options: host.options,
          metrics: host.metrics,
          log: host.log,
          heldIds: () => host.held.ids(),
          handedBack: (id) => host.held.isHandedBack(id),
          freeSlots: () => host.options.batchSize - host.held.size,
          accept: (entries, deliveries) => host.accept(entries, deliveries),
        },
        this.#cursor,
      );
      this.#failures = 0;
    } catch (error) {
      if (isNoGroupError(error)) host.groupMissing();
      else host.outage.taskFailed("recovery of idle entries", error);
      this.#failures++;
    }
    this.#cursor = round?.next;
    // At once only when the round got somewhere and could get further; a round that settled
    // nothing (no free slot, every idle entry held) would find the same page again.
    const again =
      round !== undefined &&
      round.settled > 0 &&
      round.next !== undefined &&
      host.options.batchSize - host.held.size > 0;
    const pause = this.#failures === 0 ? 0 : backoff(FAILURE_BACKOFF, this.#failures);
    this.#schedule(again ? 0 : host.options.claimIntervalMs + pause);
  }

  /** Runs the mover within `ms`: this consumer just scheduled an entry due then. */
  moveWithin(ms: number): void {
    // A round under way reschedules itself when it ends, no later than this.
    if (this.#moving) this.#moveAt = Math.min(this.#moveAt, Date.now() + ms);
    else if (Date.now() + ms < this.#moveAt) this.#scheduleMove(ms);
  }

  #scheduleMove(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#moveTimer);
    this.#moveAt = Date.now() + delayMs;
    this.#moveTimer = setTimeout(() => void this.#move(), delayMs);
    this.#moveTimer.unref();
  }

  async #move(): Promise<void> {
    const { client, options, metrics, outage } = this.#host;
    this.#moving = true;
    this.#moveAt = Number.POSITIVE_INFINITY;
    let next = this.#movePollMs;
    if (!outage.isDown("commands")) {
      try {
        const round = await moveDueEntries(client, options.streamKey, options.maxLen);
        this.#moveFailures = 0;
        metrics.delayedMoved += round.moved;
        if (round.moved === MOVE_PAGE) next = 0;
        else if (round.nextDueInMs !== undefined) next = Math.min(next, round.nextDueInMs);
      } catch (error) {
        outage.taskFailed("move of delayed releases", error);
        this.#moveFailures++;
        next += backoff(FAILURE_BACKOFF, this.#moveFailures);
      }
    }
    this.#moving = false;
    this.#scheduleMove(Math.max(0, Math.min(next, this.#moveAt - Date.now())));
  }

  #touch(): void {
    const { client, held, options, outage } = this.#host;
    if (held.size === 0 || outage.isDown("commands")) return;
    let chunk: string[] = [options.consumerGroup, options.consumerName];
    const send = (): void => {
      client
        .runScript(TOUCH, [options.streamKey], chunk)
        .catch((error: unknown) => outage.taskFailed("keep-alive of entries in hand", error));
    };
    for (const id of held.ids()) {
      chunk.push(id);
      if (chunk.length - 2 >= TOUCH_CHUNK) {
        send();
        chunk = [options.consumerGroup, options.consumerName];
      }
    }
    if (chunk.length > 2) send();
  }

  #removeIdleConsumers(): void {
    const { client, options, outage, log } = this.#host;
    if (outage.isDown("commands")) return;
    client
      .runScript(
        REMOVE_IDLE_CONSUMERS,
        [options.streamKey],
        [
          options.consumerGroup,
          options.consumerName,
          options.removeIdleConsumersAfterMs,
          REMOVALS_PER_ROUND,
        ],
      )
      .then(
        (removed) => {
          if (Number(removed) === 0) return;
          this.#host.metrics.consumersRemoved += Number(removed);
          log.info(
            { removed, group: options.consumerGroup, idle_ms: options.removeIdleConsumersAfterMs },
            `Removed ${String(removed)} consumer(s) of group ${options.consumerGroup} that held nothing and were idle for ${options.removeIdleConsumersAfterMs} ms`,
          );
        },
        (error: unknown) => outage.taskFailed("removal of idle consumers", error),
      );
  }
}
