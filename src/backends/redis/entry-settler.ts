/**
 * The settling side of RedisBackend: what becomes of an entry once its event is handled or given
 * up. Acks, commits (through the {@link CommitBatch}), releases with or without a delay,
 * dead-letter moves and hand-backs, and the calls of them still under way, so `close()` can wait
 * for them. Each settles the event in {@link HeldEntries} first, freeing its slot.
 */
import type { ReleaseOptions } from "../../core/backend.js";
import { InvalidOptionError } from "../../core/errors.js";
import type { Event } from "../../core/event.js";
import type { Logger } from "../../core/logging.js";
import { isNoGroupError, type StreamClient } from "./client.js";
import { CommitBatch } from "./commit-batch.js";
import { scheduleRelease } from "./delayed-release.js";
import { RedisOperationError } from "./errors.js";
import type { Delivery, HeldEntries } from "./held-entries.js";
import type { MetricsCounter } from "./metrics.js";
import type { ResolvedRedisBackendOptions } from "./options.js";
import type { OutageLog } from "./outage-log.js";
import { DEAD_LETTER, HAND_BACK } from "./scripts.js";
import { encodeEmitted, encodeEvent, encodeHeaders } from "./wire.js";

/** What the commit script says of an entry it did not commit (see scripts.ts). */
const NOT_OWNED = -1;
const NO_GROUP = -2;
const ALREADY_ACKED = -3;

/** Entries per hand-back call. */
const HAND_BACK_CHUNK = 1_000;
/**
 * The consumer that holds handed-back entries until a live consumer claims them. It never
 * reads; the idle-consumer clean-up removes it once it holds nothing.
 */
export const PARKING_CONSUMER = "necrostack:handed-back";

/** What the settling side uses of its RedisBackend. */
export interface SettlerHost {
  readonly options: ResolvedRedisBackendOptions;
  readonly metrics: MetricsCounter;
  readonly log: Logger;
  readonly outage: OutageLog;
  readonly held: HeldEntries;
  /** The Redis URL with its password masked, for errors. */
  readonly target: string;
  /** The connection, once made. */
  client(): StreamClient | undefined;
  /** The connection, made if need be. */
  connect(): Promise<StreamClient>;
  /** Adds an event to the stream (RedisBackend.enqueue). */
  enqueue(event: Event): Promise<void>;
  /** The consumer group turned out to be missing. */
  groupMissing(): void;
  /** An entry was released to be due in `ms`: the mover should run by then. */
  moveWithin(ms: number): void;
}

export class EntrySettler {
  readonly #host: SettlerHost;
  /** Acks and dead-letter moves in flight, so `close()` can wait for them (commits: the batch). */
  readonly #inFlight = new Set<Promise<unknown>>();
  #commits: CommitBatch | undefined;

  constructor(host: SettlerHost) {
    this.#host = host;
  }

  /** See RedisBackend.ack. */
  async ack(event: Event): Promise<void> {
    const host = this.#host;
    const delivery = host.held.settle(event);
    if (delivery === undefined) return;
    const { id } = delivery;
    const { streamKey, consumerGroup } = host.options;
    const client = host.client() ?? (await host.connect());
    try {
      await this.#track(client.ack(streamKey, consumerGroup, [id]));
    } catch (error) {
      if (isNoGroupError(error)) {
        // The group, and with it every pending entry, is gone: there is nothing left to ack.
        host.groupMissing();
        return;
      }
      // Still pending in Redis: it will be delivered again.
      host.held.keepForRetry(event, delivery);
      throw new RedisOperationError("ack (XACK)", host.target, error);
    }
    host.metrics.eventsAcked++;
  }

  /** See RedisBackend.commit. */
  async commit(event: Event, emitted: readonly Event[]): Promise<void> {
    const host = this.#host;
    // Whatever happens, this consumer stops holding the entry: on failure it stays pending in
    // Redis and is delivered again once idle.
    const delivery = host.held.settle(event);
    if (delivery === undefined) {
      for (const next of emitted) await host.enqueue(next);
      return;
    }
    const { id } = delivery;
    const { options } = host;
    const client = host.client() ?? (await host.connect());
    this.#commits ??= new CommitBatch(
      client,
      options.streamKey,
      options.consumerGroup,
      options.consumerName,
      options.maxLen ?? 0,
      options.batchSize * 4,
    );
    let result: number;
    try {
      // Not tracked one by one: close() waits for the batch's calls (CommitBatch.settled).
      result = await this.#commits.commit(id, encodeEmitted(emitted));
    } catch (error) {
      host.held.keepForRetry(event, delivery);
      throw new RedisOperationError("commit", host.target, error);
    }
    if (result === ALREADY_ACKED) {
      // The commit was applied once already (its reply was lost and the call sent again): its
      // events were added and the entry acked then.
      host.log.debug(
        { event_id: event.id, event_type: event.eventType, entry_id: id },
        `Entry ${id} (${event.eventType}) was already committed; its reply had been lost in a reconnection`,
      );
    } else if (result === NOT_OWNED || result === NO_GROUP) {
      host.metrics.commitsSkipped++;
      if (result === NO_GROUP) host.groupMissing();
      const why =
        result === NOT_OWNED
          ? "another consumer claimed it after it stayed unacked past claimMinIdleMs"
          : "its consumer group is gone (Redis restarted without persistence, or the key was deleted)";
      host.log.warn(
        { event_id: event.id, event_type: event.eventType, entry_id: id },
        `Entry ${id} (${event.eventType}) is no longer owned by ${options.consumerName}: ${why}; its ${emitted.length} emitted event(s) were not added`,
      );
      return;
    }
    host.metrics.eventsEnqueued += emitted.length;
    host.metrics.eventsAcked++;
  }

  /** See RedisBackend.nack. */
  async nack(event: Event, reason: string): Promise<void> {
    const delivery = this.#host.held.settle(event);
    if (delivery === undefined) return;
    const client = await this.#host.connect();
    await this.deadLetter(client, delivery.id, reason, encodeEvent(event), encodeHeaders(event));
  }

  /** See RedisBackend.handBack. */
  handBack(event: Event): void {
    const delivery = this.#host.held.settle(event);
    const client = this.#host.client();
    if (delivery === undefined || client === undefined) return;
    this.#host.held.markHandedBack(delivery.id);
    this.#track(this.handBackEntries(client, [delivery])).catch((error: unknown) =>
      this.#host.outage.taskFailed("hand-back of an event not handled", error),
    );
  }

  /** See RedisBackend.release. */
  async release(event: Event, options: ReleaseOptions): Promise<void> {
    const host = this.#host;
    const delivery = host.held.settle(event);
    const { reason, delayMs = 0 } = options;
    if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) {
      // Settled all the same: the entry stays pending and is delivered again once idle.
      throw new InvalidOptionError("delayMs", "a finite number of ms >= 0", delayMs);
    }
    const client = host.client();
    if (delivery === undefined || client === undefined) return;
    const { maxRetries, streamKey, consumerGroup, consumerName } = host.options;
    if (delivery.attempt >= maxRetries) {
      const why = `Failed on all ${maxRetries} deliveries; last failure: ${reason ?? "not given"}`;
      await this.deadLetter(client, delivery.id, why, encodeEvent(event), encodeHeaders(event));
      return;
    }
    if (delayMs === 0) return;
    let result: Awaited<ReturnType<typeof scheduleRelease>>;
    try {
      result = await this.#track(
        scheduleRelease(
          client,
          { streamKey, group: consumerGroup, consumer: consumerName },
          {
            id: delivery.id,
            attempt: delivery.attempt,
            eventJson: encodeEvent(event),
            headersJson: encodeHeaders(event),
          },
          delayMs,
        ),
      );
    } catch (error) {
      throw new RedisOperationError("delayed release", host.target, error);
    }
    if (result === "scheduled") {
      host.metrics.eventsDelayed++;
      host.moveWithin(delayMs);
      return;
    }
    if (result === "no-group") host.groupMissing();
    host.log.warn(
      { event_id: event.id, event_type: event.eventType, entry_id: delivery.id },
      `Entry ${delivery.id} (${event.eventType}) was not released with a delay: ${
        result === "no-group"
          ? "its consumer group is gone"
          : `${consumerName} no longer owns it (another consumer claimed it)`
      }`,
    );
  }

  /**
   * Moves entry `id` to the dead-letter stream with `reason`, and acks it. `fallback` (and
   * `fallbackHeaders`) stand in for the event should the entry be gone from the stream.
   */
  async deadLetter(
    client: StreamClient,
    id: string,
    reason: string,
    fallback: string,
    fallbackHeaders = "",
  ): Promise<void> {
    const host = this.#host;
    const { streamKey, dlqStream, consumerGroup, consumerName } = host.options;
    let result: unknown;
    try {
      result = await this.#track(
        client.runScript(
          DEAD_LETTER,
          [streamKey, dlqStream],
          [
            consumerGroup,
            id,
            reason,
            new Date().toISOString(),
            consumerName,
            0,
            fallback,
            fallbackHeaders,
          ],
        ),
      );
    } catch (error) {
      throw new RedisOperationError("dead-letter move", host.target, error);
    }
    if (result === 1) host.metrics.eventsFailed++;
  }

  /**
   * Moves entries read but never handed out to the group's parking consumer, claimable at once
   * by any live consumer, so this one can leave the group. Sent in chunks: a consumer may hold
   * any number of entries. Rejects when Redis fails (they then stay pending on this consumer
   * and are claimed once idle for claimMinIdleMs).
   */
  async handBackEntries(
    client: StreamClient,
    untaken: readonly Delivery[] = this.#host.held.untaken(),
  ): Promise<void> {
    const host = this.#host;
    const { streamKey, consumerGroup, consumerName } = host.options;
    let handed = 0;
    for (let from = 0; from < untaken.length; from += HAND_BACK_CHUNK) {
      const args: (string | number)[] = [
        consumerGroup,
        consumerName,
        // Idle well past claimMinIdleMs, so another consumer's next recovery round takes them.
        host.options.claimMinIdleMs * 2,
        PARKING_CONSUMER,
      ];
      for (const { id, deliveries } of untaken.slice(from, from + HAND_BACK_CHUNK)) {
        args.push(id, deliveries - 1);
      }
      try {
        handed += Number(await client.runScript(HAND_BACK, [streamKey], args));
      } catch (error) {
        throw new RedisOperationError("hand-back of unhandled entries", host.target, error);
      }
    }
    if (handed === 0) return;
    host.log.info(
      { entries: handed, consumer: consumerName },
      `Handed back ${handed} entries read but not handled, for other consumers to claim now`,
    );
  }

  /** Resolves once the acks, moves and commits under way have been answered (or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled(Array.from(this.#inFlight));
    await this.#commits?.settled();
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const forget = (): void => {
      this.#inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }
}
