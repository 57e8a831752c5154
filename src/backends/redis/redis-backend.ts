/**
 * RedisBackend: events in a Redis stream, consumed through a consumer group, so many workers on
 * many machines share one stream with at-least-once delivery.
 *
 * Every event `pull` hands out stays pending in Redis until it is acked (or committed, or
 * dead-lettered, or released with a delay). Entries a consumer holds are refreshed while it works
 * on them, so only entries of dead or stalled consumers are claimed by others (see recovery.ts).
 * A release with a delay parks the event beside the stream until it is due
 * (see delayed-release.ts).
 */
import type { Backend, BackendCapabilities, ReleaseOptions } from "../../core/backend.js";
import { BackendClosedError, InvalidOptionError } from "../../core/errors.js";
import { Event } from "../../core/event.js";
import { errorField, type Logger, resolveLogger } from "../../core/logging.js";
import { backoff } from "../../utils/backoff.js";
import { maskUrl } from "../../utils/redact.js";
import {
  type ConnectionListener,
  isNoGroupError,
  type StreamClient,
  type StreamEntry,
} from "./client.js";
import { CommitBatch } from "./commit-batch.js";
import { ATTEMPT_FIELD, GROUP_FIELD, scheduleRelease } from "./delayed-release.js";
import { RedisOperationError } from "./errors.js";
import { type RedisBackendHealth, readHealth } from "./health.js";
import { type Delivery, HeldEntries } from "./held-entries.js";
import { IoredisStreamClient } from "./ioredis-client.js";
import { Maintenance } from "./maintenance.js";
import { MetricsCounter, type RedisBackendMetrics } from "./metrics.js";
import {
  type RedisBackendOptions,
  type ResolvedRedisBackendOptions,
  resolveRedisBackendOptions,
} from "./options.js";
import { OutageLog } from "./outage-log.js";
import { RedisSchemaRegistryStore } from "./schema-registry.js";
import { DEAD_LETTER, HAND_BACK, LEAVE_GROUP } from "./scripts.js";
import { decodeEntry, encodeEmitted, encodeEvent, encodeHeaders, entryFields } from "./wire.js";

/** The pause after the n-th failed read in a row (50 ms doubling to 2 s, the curve it always had). */
const READ_BACKOFF = { initialMs: 50, factor: 2, maxMs: 2_000 } as const;

/** One XREADGROUP under way on the reader connection. */
interface Read {
  done: boolean;
  error: unknown;
  /** When its block time ends: silence until then only means no entry has arrived yet. */
  readonly blockEndsAt: number;
  /** Its block time plus `commandTimeoutMs`: unanswered past this, the connection is hung. */
  readonly expiresAt: number;
  readonly limitMs: number;
}

export class RedisBackend implements Backend, AsyncDisposable {
  /** Everything but the synchronous operations. */
  readonly capabilities: BackendCapabilities = Object.freeze({
    durable: true,
    atomicCommit: true,
    synchronous: false,
    delayedRelease: true,
    deadLetter: true,
    redelivery: true,
  });
  readonly streamKey: string;
  readonly consumerGroup: string;
  readonly consumerName: string;
  readonly dlqStream: string;
  /** Deliveries of an entry before it goes to the dead-letter stream. */
  readonly maxRetries: number;
  readonly #options: ResolvedRedisBackendOptions;
  readonly #log: Logger;
  readonly #outage: OutageLog;
  readonly #target: string;
  readonly #metrics = new MetricsCounter();
  #client: StreamClient | undefined;
  #connecting: Promise<StreamClient> | undefined;
  #groupReady = false;
  /** The group creation under way, shared by pulls that need it. */
  #groupCreation: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #held = new HeldEntries();
  #read: Read | undefined;
  #readFailures = 0;
  #readBackoffUntil = 0;
  /** Acks and dead-letter moves in flight, so `close()` can wait for them (commits: the batch). */
  readonly #inFlight = new Set<Promise<unknown>>();
  #commits: CommitBatch | undefined;
  /** Recovery and keep-alive; started by the first pull. */
  #maintenance: Maintenance | undefined;
  #commandsWereReady = false;
  #registry: RedisSchemaRegistryStore | undefined;

  constructor(options: RedisBackendOptions) {
    this.#options = resolveRedisBackendOptions(options);
    this.streamKey = this.#options.streamKey;
    this.consumerGroup = this.#options.consumerGroup;
    this.consumerName = this.#options.consumerName;
    this.dlqStream = this.#options.dlqStream;
    this.maxRetries = this.#options.maxRetries;
    this.#target = maskUrl(this.#options.redisUrl);
    this.#log = resolveLogger(this.#options.logger, "necrostack.redis");
    this.#outage = new OutageLog(this.#log, this.#target);
  }

  /** A snapshot of the counters. */
  get metrics(): RedisBackendMetrics {
    return this.#metrics.snapshot();
  }

  /** Adds an event to the stream. Resolves once Redis has stored it. */
  async enqueue(event: Event): Promise<void> {
    if (!(event instanceof Event)) {
      throw new TypeError(`enqueue() takes an Event, got ${typeof event}`);
    }
    if (this.#closed) throw new BackendClosedError("enqueue");
    const client = this.#client ?? (await this.#connect());
    try {
      await client.add(this.streamKey, entryFields(event), this.#options.maxLen);
    } catch (error) {
      throw new RedisOperationError("enqueue (XADD)", this.#target, error);
    }
    this.#metrics.eventsEnqueued++;
  }

  /**
   * The next event for this consumer: from the local batch, else from XREADGROUP, waiting up to
   * `timeoutMs`. Resolves null on abort or close, or once Redis has answered that it has nothing
   * and the time is up: a pull never says "no event" on a guess, so while Redis cannot answer
   * every pull ends in a rejection, and the Spine's failure guard sees the outage. An abort never
   * loses an entry (a read still under way fills the batch for the next pull).
   *
   * Rejects with `RedisOperationError` when a read fails, or stays unanswered past its block
   * time plus `commandTimeoutMs` (the reader connection is then replaced). After a failure the
   * next pull waits out a backoff of up to 2 s first, past its own timeout if need be.
   */
  async pull(timeoutMs = 1_000, signal?: AbortSignal): Promise<Event | null> {
    const ready = this.#take();
    if (ready !== undefined) return ready;
    if (this.#closed || signal?.aborted) return null;
    const client = await this.#connect();
    this.#startMaintenance(client);
    const deadline = Date.now() + Math.max(0, timeoutMs);
    // Whether Redis answered a read during this pull, so that "no event" is a fact.
    let answered = false;
    let started: Read | undefined;
    for (;;) {
      const event = this.#take();
      if (event !== undefined) return event;
      if (this.#closed || signal?.aborted) return null;
      const read = this.#read;
      const now = Date.now();
      if (read?.done) {
        this.#read = undefined;
        if (read.error !== undefined) await this.#readFailed(client, read.error);
        answered = true;
        continue;
      }
      if (read !== undefined) {
        if (now >= read.expiresAt) this.#readHung(client, read);
        // A read an earlier pull started, still inside its block time: nothing has arrived.
        if (read !== started && now >= deadline && now < read.blockEndsAt) return null;
        await this.#held.sleep(
          (now < deadline ? Math.min(deadline, read.expiresAt) : read.expiresAt) - now,
          signal,
        );
        continue;
      }
      if (answered && now >= deadline) return null;
      if (now < this.#readBackoffUntil) {
        await this.#held.sleep(this.#readBackoffUntil - now, signal);
        continue;
      }
      if (!this.#groupReady && (await this.#groupCreated(client, signal)) === "aborted") {
        return null;
      }
      const free = this.#options.batchSize - this.#held.size;
      if (free <= 0) {
        // Every slot is taken by entries handed out: nothing can be read until one is settled.
        if (now >= deadline) return null;
        await this.#held.sleep(deadline - now, signal);
        continue;
      }
      started = this.#startRead(client, free, deadline - now);
    }
  }

  /** Acks the entry `event` came from. Idempotent; an event this backend did not deliver is ignored. */
  async ack(event: Event): Promise<void> {
    const delivery = this.#held.settle(event);
    if (delivery === undefined) return;
    const { id } = delivery;
    const client = this.#client ?? (await this.#connect());
    try {
      await this.#track(client.ack(this.streamKey, this.consumerGroup, [id]));
    } catch (error) {
      if (isNoGroupError(error)) {
        // The group, and with it every pending entry, is gone: there is nothing left to ack.
        this.#groupReady = false;
        return;
      }
      // Still pending in Redis: it will be delivered again.
      this.#held.keepForRetry(event, delivery);
      throw new RedisOperationError("ack (XACK)", this.#target, error);
    }
    this.#metrics.eventsAcked++;
  }

  /**
   * Acks `event` and adds `emitted` to the stream in one atomic step, only while this consumer
   * still owns the entry; otherwise adds nothing (the consumer that claimed it will). An event
   * this backend did not deliver is not acked; its emitted events are added.
   */
  async commit(event: Event, emitted: readonly Event[]): Promise<void> {
    // Whatever happens, this consumer stops holding the entry: on failure it stays pending in
    // Redis and is delivered again once idle.
    const delivery = this.#held.settle(event);
    if (delivery === undefined) {
      for (const next of emitted) await this.enqueue(next);
      return;
    }
    const { id } = delivery;
    const client = this.#client ?? (await this.#connect());
    this.#commits ??= new CommitBatch(
      client,
      this.streamKey,
      this.consumerGroup,
      this.consumerName,
      this.#options.maxLen ?? 0,
      this.#options.batchSize * 4,
    );
    let result: number;
    try {
      // Not tracked one by one: close() waits for the batch's calls (CommitBatch.settled).
      result = await this.#commits.commit(id, encodeEmitted(emitted));
    } catch (error) {
      this.#held.keepForRetry(event, delivery);
      throw new RedisOperationError("commit", this.#target, error);
    }
    if (result === ALREADY_ACKED) {
      // The commit was applied once already (its reply was lost and the call sent again): its
      // events were added and the entry acked then.
      this.#log.debug(
        { event_id: event.id, event_type: event.eventType, entry_id: id },
        `Entry ${id} (${event.eventType}) was already committed; its reply had been lost in a reconnection`,
      );
    } else if (result === NOT_OWNED || result === NO_GROUP) {
      this.#metrics.commitsSkipped++;
      if (result === NO_GROUP) this.#groupReady = false;
      const why =
        result === NOT_OWNED
          ? "another consumer claimed it after it stayed unacked past claimMinIdleMs"
          : "its consumer group is gone (Redis restarted without persistence, or the key was deleted)";
      this.#log.warn(
        { event_id: event.id, event_type: event.eventType, entry_id: id },
        `Entry ${id} (${event.eventType}) is no longer owned by ${this.consumerName}: ${why}; its ${emitted.length} emitted event(s) were not added`,
      );
      return;
    }
    this.#metrics.eventsEnqueued += emitted.length;
    this.#metrics.eventsAcked++;
  }

  /** Moves the entry `event` came from to the dead-letter stream now, with `reason`, and acks it. */
  async nack(event: Event, reason = "Rejected by its consumer"): Promise<void> {
    const delivery = this.#held.settle(event);
    if (delivery === undefined) return;
    const client = await this.#connect();
    await this.#deadLetter(client, delivery.id, reason, encodeEvent(event), encodeHeaders(event));
  }

  /**
   * Gives back an event the Spine pulled but never started (its run stopped at `maxSteps`): the
   * entry goes to the group's parking consumer with its delivery count restored, so the next
   * recovery round of this or any consumer claims it at once, and it does not count as a failed
   * delivery. Should Redis fail, the entry stays pending on this consumer and is claimed once
   * idle. Synchronous; never throws.
   */
  handBack(event: Event): void {
    const delivery = this.#held.settle(event);
    const client = this.#client;
    if (delivery === undefined || client === undefined) return;
    this.#track(this.#handBack(client, [delivery])).catch((error: unknown) =>
      this.#outage.taskFailed("hand-back of an event not handled", error),
    );
  }

  /**
   * Stops holding `event` without acking it, for it to be delivered again on its next attempt
   * (to this or another consumer):
   * - with `delayMs` > 0, no sooner than `delayMs` from now: it leaves the pending list and waits
   *   beside the stream, then is added again as a new entry (see delayed-release.ts);
   * - otherwise once it has been idle for `claimMinIdleMs`, when recovery claims it.
   * On its `maxRetries`th attempt it goes to the dead-letter stream instead, with `reason`.
   * Resolves once Redis has done so; rejects with `RedisOperationError` when Redis fails, and the
   * entry then stays pending, to be delivered again once idle. An event this backend does not
   * hold is ignored.
   */
  async release(event: Event, options: ReleaseOptions = {}): Promise<void> {
    const delivery = this.#held.settle(event);
    const { reason, delayMs = 0 } = options;
    if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) {
      // Settled all the same: the entry stays pending and is delivered again once idle.
      throw new InvalidOptionError("delayMs", "a finite number of ms >= 0", delayMs);
    }
    const client = this.#client;
    if (delivery === undefined || client === undefined) return;
    const { maxRetries } = this.#options;
    if (delivery.attempt >= maxRetries) {
      const why = `Failed on all ${maxRetries} deliveries; last failure: ${reason ?? "not given"}`;
      await this.#deadLetter(client, delivery.id, why, encodeEvent(event), encodeHeaders(event));
      return;
    }
    if (delayMs === 0) return;
    let result: Awaited<ReturnType<typeof scheduleRelease>>;
    try {
      result = await this.#track(
        scheduleRelease(
          client,
          { streamKey: this.streamKey, group: this.consumerGroup, consumer: this.consumerName },
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
      throw new RedisOperationError("delayed release", this.#target, error);
    }
    if (result === "scheduled") {
      this.#metrics.eventsDelayed++;
      this.#maintenance?.moveWithin(delayMs);
      return;
    }
    if (result === "no-group") this.#groupReady = false;
    this.#log.warn(
      { event_id: event.id, event_type: event.eventType, entry_id: delivery.id },
      `Entry ${delivery.id} (${event.eventType}) was not released with a delay: ${
        result === "no-group"
          ? "its consumer group is gone"
          : `${this.consumerName} no longer owns it (another consumer claimed it)`
      }`,
    );
  }

  /**
   * The attempt `event` was delivered on: 1 the first time, one more for each delivery since,
   * counting the entries it was released from with a delay. It stays readable after the event
   * is settled; an event this backend did not deliver is on attempt 1.
   */
  deliveryAttempt(event: Event): number {
    return this.#held.attempt(event);
  }

  /** PING latency, and the stream, group and dead-letter counts. Never rejects. */
  health(): Promise<RedisBackendHealth> {
    return readHealth(() => this.#connect(), {
      streamKey: this.streamKey,
      consumerGroup: this.consumerGroup,
      consumerName: this.consumerName,
      dlqStream: this.dlqStream,
      target: this.#target,
    });
  }

  /**
   * Waits for acks and commits under way, hands entries read but never handed out back to the
   * group (claimable at once by any live consumer), leaves the group when this consumer holds no
   * pending entries (one that does is kept, or its entries could never be claimed), and closes
   * the connections. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /**
   * The schema registry of this stream, in the hash `<streamKey>:schemas`, on a connection of
   * its own (or on `client`, when one was given). Closed with the backend.
   */
  schemaRegistry(): RedisSchemaRegistryStore {
    this.#registry ??= new RedisSchemaRegistryStore({
      redisUrl: this.#options.redisUrl,
      streamKey: this.streamKey,
      commandTimeoutMs: this.#options.commandTimeoutMs,
      ...(this.#options.client === undefined ? {} : { client: this.#options.client }),
    });
    return this.#registry;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Connection and group

  #connect(): Promise<StreamClient> {
    if (this.#client !== undefined) return Promise.resolve(this.#client);
    if (this.#closed) return Promise.reject(new BackendClosedError("use Redis"));
    this.#connecting ??= IoredisStreamClient.connect(
      this.#options.redisUrl,
      this.#options.client,
      this.#onConnection,
      { commandTimeoutMs: this.#options.commandTimeoutMs, connectionName: this.consumerName },
    ).then(
      (client) => {
        this.#client = client;
        return client;
      },
      (error: unknown) => {
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  readonly #onConnection: ConnectionListener = (event, connection, error) => {
    if (event === "error") {
      this.#outage.connectionError(connection, error);
      return;
    }
    if (event !== "ready") return;
    this.#outage.connected(connection);
    if (connection !== "commands") return;
    if (this.#commandsWereReady) this.#metrics.reconnections++;
    this.#commandsWereReady = true;
  };

  /**
   * Waits for the consumer group to exist, or for `signal` to abort. While Redis is unreachable
   * the creation waits out the client's reconnection attempts (seconds): an abort (the Spine's
   * `stop()`) must not wait for them too. A creation left behind by an abort settles on its own.
   */
  async #groupCreated(client: StreamClient, signal?: AbortSignal): Promise<"created" | "aborted"> {
    this.#groupCreation ??= this.#ensureGroup(client).finally(() => {
      this.#groupCreation = undefined;
    });
    const creation = this.#groupCreation;
    if (signal === undefined) {
      await creation;
      return "created";
    }
    // Marks the rejection handled: it is rethrown below, or dropped after an abort.
    creation.catch(() => {});
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<"aborted">((resolve) => {
      onAbort = () => resolve("aborted");
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([creation.then(() => "created" as const), aborted]);
    } finally {
      if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
    }
  }

  async #ensureGroup(client: StreamClient): Promise<void> {
    try {
      const created = await client.createGroup(this.streamKey, this.consumerGroup);
      if (created) {
        this.#log.info(
          { stream: this.streamKey, group: this.consumerGroup },
          `Created consumer group ${this.consumerGroup} on ${this.streamKey}`,
        );
      }
      this.#groupReady = true;
    } catch (error) {
      this.#backOffReads();
      throw new RedisOperationError("consumer group creation (XGROUP CREATE)", this.#target, error);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /**
   * An event of the batch already read, or undefined when it is empty (then `pull` reads more).
   * Counted as pulled, like one `pull` hands out.
   */
  take(): Event | undefined {
    return this.#take();
  }

  #take(): Event | undefined {
    const event = this.#held.take();
    if (event !== undefined) this.#metrics.eventsPulled++;
    return event;
  }

  #startRead(client: StreamClient, count: number, blockMs: number): Read {
    const block = Math.max(1, blockMs);
    const limitMs = block + this.#options.commandTimeoutMs;
    const now = Date.now();
    const read: Read = {
      done: false,
      error: undefined,
      blockEndsAt: now + block,
      expiresAt: now + limitMs,
      limitMs,
    };
    this.#read = read;
    client
      .readGroup(this.streamKey, this.consumerGroup, this.consumerName, count, block)
      .then(
        (entries) => {
          this.#readFailures = 0;
          this.#accept(entries);
        },
        (error: unknown) => {
          read.error = error;
        },
      )
      .finally(() => {
        read.done = true;
        this.#held.wake();
      });
    return read;
  }

  async #readFailed(client: StreamClient, error: unknown): Promise<void> {
    if (isNoGroupError(error)) {
      // Redis restarted without persistence, or the key was deleted or evicted.
      this.#groupReady = false;
      this.#log.warn(
        { stream: this.streamKey, group: this.consumerGroup },
        `Consumer group ${this.consumerGroup} on ${this.streamKey} is gone (Redis restarted without persistence, or the key was deleted); recreating it`,
      );
      if (this.#readFailures > 0) this.#backOffReads();
      this.#readFailures++;
      await this.#ensureGroup(client);
      return;
    }
    this.#backOffReads();
    throw new RedisOperationError("read (XREADGROUP)", this.#target, error);
  }

  /**
   * A read went unanswered past its block time plus `commandTimeoutMs`: the reader connection is
   * hung (Redis stopped, or a network path that drops packets without closing). Replaces the
   * connection and fails the pull. Whatever the lost read delivered stays pending for this
   * consumer and comes back through recovery once idle.
   */
  #readHung(client: StreamClient, read: Read): never {
    this.#read = undefined;
    this.#metrics.readsTimedOut++;
    client.resetReader();
    this.#backOffReads();
    throw new RedisOperationError(
      "read (XREADGROUP)",
      this.#target,
      new Error(`no answer within ${read.limitMs} ms (its block time plus commandTimeoutMs)`),
    );
  }

  #backOffReads(): void {
    this.#readFailures++;
    this.#readBackoffUntil = Date.now() + backoff(READ_BACKOFF, this.#readFailures);
  }

  /**
   * Takes entries read or claimed: events into the batch; an entry another group released, acked
   * unhandled; an event past `maxRetries` attempts and anything that is not an event, to the
   * dead-letter stream.
   */
  #accept(entries: readonly StreamEntry[], deliveries?: ReadonlyMap<string, number>): void {
    const client = this.#client;
    for (const entry of entries) {
      if (entry.fields === null) continue;
      const forGroup = entry.fields[GROUP_FIELD];
      if (forGroup !== undefined && forGroup !== this.consumerGroup) {
        // Released with a delay by another group reading this stream: a retry of its own.
        client
          ?.ack(this.streamKey, this.consumerGroup, [entry.id])
          .catch((error: unknown) =>
            this.#outage.taskFailed(`ack of an entry released by group ${forGroup}`, error),
          );
        continue;
      }
      const decoded = entry.invalid ?? decodeEntry(entry.fields);
      if (typeof decoded === "string") {
        this.#log.warn(
          { entry_id: entry.id, stream: this.streamKey, reason: decoded },
          `Entry ${entry.id} is not a valid event; moving it to ${this.dlqStream}: ${decoded}`,
        );
        if (client !== undefined) {
          this.#deadLetter(client, entry.id, decoded, "").catch((error: unknown) =>
            this.#outage.taskFailed("dead-letter move", error),
          );
        }
        continue;
      }
      const delivered = deliveries?.get(entry.id) ?? 1;
      const attempt = firstAttempt(entry.fields[ATTEMPT_FIELD]) + delivered - 1;
      const { maxRetries } = this.#options;
      if (attempt > maxRetries) {
        // A released copy claimed after its consumer died: recovery saw its deliveries only.
        if (client !== undefined) {
          const why = `Exceeded ${maxRetries} deliveries (claimed on attempt ${attempt})`;
          this.#deadLetter(client, entry.id, why, "").catch((error: unknown) =>
            this.#outage.taskFailed("dead-letter move", error),
          );
        }
        continue;
      }
      this.#held.add(decoded, { id: entry.id, deliveries: delivered, attempt });
    }
    this.#held.wake();
  }

  async #deadLetter(
    client: StreamClient,
    id: string,
    reason: string,
    fallback: string,
    fallbackHeaders = "",
  ): Promise<void> {
    let result: unknown;
    try {
      result = await this.#track(
        client.runScript(
          DEAD_LETTER,
          [this.streamKey, this.dlqStream],
          [
            this.consumerGroup,
            id,
            reason,
            new Date().toISOString(),
            this.consumerName,
            0,
            fallback,
            fallbackHeaders,
          ],
        ),
      );
    } catch (error) {
      throw new RedisOperationError("dead-letter move", this.#target, error);
    }
    if (result === 1) this.#metrics.eventsFailed++;
  }

  #startMaintenance(client: StreamClient): void {
    if (this.#maintenance !== undefined || this.#closed) return;
    this.#maintenance = new Maintenance({
      client,
      options: this.#options,
      metrics: this.#metrics,
      log: this.#log,
      outage: this.#outage,
      held: this.#held,
      accept: (entries, deliveries) => this.#accept(entries, deliveries),
      groupMissing: () => {
        this.#groupReady = false;
      },
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const forget = (): void => {
      this.#inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Moves entries read but never handed out to the group's parking consumer, claimable at once
   * by any live consumer, so this one can leave the group. Sent in chunks: a consumer may hold
   * any number of entries. Rejects when Redis fails (they then stay pending on this consumer
   * and are claimed once idle for claimMinIdleMs).
   */
  async #handBack(
    client: StreamClient,
    untaken: readonly Delivery[] = this.#held.untaken(),
  ): Promise<void> {
    let handed = 0;
    for (let from = 0; from < untaken.length; from += HAND_BACK_CHUNK) {
      const args: (string | number)[] = [
        this.consumerGroup,
        this.consumerName,
        // Idle well past claimMinIdleMs, so another consumer's next recovery round takes them.
        this.#options.claimMinIdleMs * 2,
        PARKING_CONSUMER,
      ];
      for (const { id, deliveries } of untaken.slice(from, from + HAND_BACK_CHUNK)) {
        args.push(id, deliveries - 1);
      }
      try {
        handed += Number(await client.runScript(HAND_BACK, [this.streamKey], args));
      } catch (error) {
        throw new RedisOperationError("hand-back of unhandled entries", this.#target, error);
      }
    }
    if (handed === 0) return;
    this.#log.info(
      { entries: handed, consumer: this.consumerName },
      `Handed back ${handed} entries read but not handled, for other consumers to claim now`,
    );
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    this.#maintenance?.stop();
    await this.#registry?.close();
    this.#held.wake();
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    if (client === undefined) return;
    // While Redis is unreachable every command below waits for a reconnection that may never
    // come: bound the polite part, then drop the connections. Entries not acked stay pending in
    // Redis and are claimed by another consumer after claimMinIdleMs, so nothing is lost.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(`Redis did not answer within ${CLOSE_TIMEOUT_MS} ms`),
        CLOSE_TIMEOUT_MS,
      );
    });
    const failure = await Promise.race([
      this.#leave(client).then(
        () => undefined,
        (error: unknown) => `Redis failed: ${errorField(error)}`,
      ),
      timedOut,
    ]);
    clearTimeout(timer);
    if (failure !== undefined) {
      this.#log.warn(
        { consumer: this.consumerName, timeout_ms: CLOSE_TIMEOUT_MS },
        `${failure} while closing; dropping the connections (unacked entries stay pending for other consumers)`,
      );
    }
    this.#held.clear();
    await client.close(failure !== undefined);
  }

  /**
   * Waits for acks and commits under way, hands back unserved entries, leaves the group.
   * Rejects when Redis fails on the way.
   */
  async #leave(client: StreamClient): Promise<void> {
    await Promise.allSettled(Array.from(this.#inFlight));
    await this.#commits?.settled();
    if (this.#maintenance === undefined) return;
    await this.#handBack(client);
    const left = await client.runScript(
      LEAVE_GROUP,
      [this.streamKey],
      [this.consumerGroup, this.consumerName],
    );
    if (left !== 1) {
      this.#log.info(
        { consumer: this.consumerName, group: this.consumerGroup },
        `Consumer ${this.consumerName} still has pending entries; kept in group ${this.consumerGroup} so others can claim them`,
      );
    }
  }
}

/** What the commit script says of an entry it did not commit (see scripts.ts). */
const NOT_OWNED = -1;
const NO_GROUP = -2;
const ALREADY_ACKED = -3;

/** How long `close()` waits for Redis before it drops the connections. */
const CLOSE_TIMEOUT_MS = 5_000;
/** Entries per hand-back call. */
const HAND_BACK_CHUNK = 1_000;
/**
 * The consumer that holds handed-back entries until a live consumer claims them. It never
 * reads; the idle-consumer clean-up removes it once it holds nothing.
 */
export const PARKING_CONSUMER = "necrostack:handed-back";

/** The attempt an entry's first delivery is: its `attempt` field, or 1 (absent or not a count). */
function firstAttempt(field: string | undefined): number {
  if (field === undefined) return 1;
  const attempt = Number(field);
  return Number.isSafeInteger(attempt) && attempt >= 1 ? attempt : 1;
}
