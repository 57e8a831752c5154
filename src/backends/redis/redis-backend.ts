/**
 * RedisBackend: events in a Redis stream, consumed through a consumer group, so many workers on
 * many machines share one stream with at-least-once delivery.
 *
 * Every event `pull` hands out stays pending in Redis until it is acked (or committed, or
 * dead-lettered, or released with a delay). Entries a consumer holds are refreshed while it works
 * on them, so only entries of dead or stalled consumers are claimed by others (see recovery.ts).
 * A release with a delay parks the event beside the stream until it is due
 * (see delayed-release.ts).
 *
 * This file holds the class, its connection and consumer group, and close; reading is in
 * entry-reader.ts, settling (ack, commit, release, dead-letter, hand-back) in entry-settler.ts.
 */
import type { Backend, BackendCapabilities, ReleaseOptions } from "../../core/backend.js";
import { BackendClosedError } from "../../core/errors.js";
import { Event } from "../../core/event.js";
import { errorField, type Logger, resolveLogger } from "../../core/logging.js";
import { maskUrl } from "../../utils/redact.js";
import { withDeadline } from "../../utils/timing.js";
import type { ConnectionListener, StreamClient } from "./client.js";
import { enqueueOnce } from "./enqueue-once.js";
import { EntryReader } from "./entry-reader.js";
import { EntrySettler } from "./entry-settler.js";
import { RedisOperationError } from "./errors.js";
import { type RedisBackendHealth, readHealth } from "./health.js";
import { HeldEntries } from "./held-entries.js";
import { RedisInspector } from "./inspector.js";
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
import { LEAVE_GROUP } from "./scripts.js";
import { entryFields } from "./wire.js";

export class RedisBackend implements Backend, AsyncDisposable {
  /** Everything but the synchronous operations. */
  readonly capabilities: BackendCapabilities = Object.freeze({
    durable: true,
    atomicCommit: true,
    synchronous: false,
    delayedRelease: true,
    deadLetter: true,
    redelivery: true,
    idempotentEnqueue: true,
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
  /** Pulling: the read under way, its backoff, the batch it fills. */
  readonly #reader: EntryReader;
  /** Acks, commits, releases, dead-letter moves and hand-backs, and those under way. */
  readonly #settler: EntrySettler;
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
    const shared = {
      options: this.#options,
      metrics: this.#metrics,
      log: this.#log,
      outage: this.#outage,
      held: this.#held,
      target: this.#target,
      client: () => this.#client,
      connect: () => this.#connect(),
      groupMissing: () => {
        this.#groupReady = false;
      },
    };
    this.#settler = new EntrySettler({
      ...shared,
      enqueue: (event) => this.enqueue(event),
      moveWithin: (ms) => this.#maintenance?.moveWithin(ms),
    });
    this.#reader = new EntryReader(
      {
        ...shared,
        isClosed: () => this.#closed,
        startMaintenance: (client) => this.#startMaintenance(client),
        isGroupReady: () => this.#groupReady,
        groupCreated: (client, signal) => this.#groupCreated(client, signal),
        ensureGroup: (client) => this.#ensureGroup(client),
      },
      this.#settler,
    );
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
   * Adds `event` unless its id was added by `enqueueOnce` among the latest 100,000 such ids of
   * this stream (kept in the sorted set `<streamKey>:once`); resolves whether it was added.
   */
  async enqueueOnce(event: Event): Promise<boolean> {
    if (!(event instanceof Event)) {
      throw new TypeError(`enqueueOnce() takes an Event, got ${typeof event}`);
    }
    if (this.#closed) throw new BackendClosedError("enqueue");
    const client = this.#client ?? (await this.#connect());
    let added: boolean;
    try {
      added = await enqueueOnce(client, this.streamKey, event, this.#options.maxLen);
    } catch (error) {
      throw new RedisOperationError("enqueueOnce (EVALSHA)", this.#target, error);
    }
    if (added) this.#metrics.eventsEnqueued++;
    return added;
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
   *
   * Reading ahead: while the latest pull's `signal` has not aborted (the Spine passes its run's,
   * aborted by `stop()`), the next batch is read as soon as the last entry held is committed,
   * so that read travels with the commits instead of after them. Without a signal, entries are
   * read only by pulls.
   */
  pull(timeoutMs = 1_000, signal?: AbortSignal): Promise<Event | null> {
    return this.#reader.pull(timeoutMs, signal);
  }

  /**
   * An event of the batch already read, or undefined when it is empty (then `pull` reads more).
   * Counted as pulled, like one `pull` hands out.
   */
  take(): Event | undefined {
    return this.#reader.take();
  }

  /** Acks the entry `event` came from. Idempotent; an event this backend did not deliver is ignored. */
  ack(event: Event): Promise<void> {
    return this.#settler.ack(event);
  }

  /**
   * Acks `event` and adds `emitted` to the stream in one atomic step, only while this consumer
   * still owns the entry; otherwise adds nothing (the consumer that claimed it will). An event
   * this backend did not deliver is not acked; its emitted events are added.
   */
  commit(event: Event, emitted: readonly Event[]): Promise<void> {
    const committing = this.#settler.commit(event, emitted);
    this.#reader.readAhead();
    return committing;
  }

  /** Moves the entry `event` came from to the dead-letter stream now, with `reason`, and acks it. */
  nack(event: Event, reason = "Rejected by its consumer"): Promise<void> {
    return this.#settler.nack(event, reason);
  }

  /**
   * Gives back an event the Spine pulled but never started (its run stopped at `maxSteps`): the
   * entry goes to the group's parking consumer with its delivery count restored, so the next
   * recovery round of this or any consumer claims it at once, and it does not count as a failed
   * delivery. Should Redis fail, the entry stays pending on this consumer and is claimed once
   * idle. Synchronous; never throws.
   */
  handBack(event: Event): void {
    this.#settler.handBack(event);
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
  release(event: Event, options: ReleaseOptions = {}): Promise<void> {
    return this.#settler.release(event, options);
  }

  /**
   * The attempt `event` was delivered on: 1 the first time, one more for each delivery since,
   * counting the entries it was released from with a delay. It stays readable after the event
   * is settled; an event this backend did not deliver is on attempt 1.
   */
  deliveryAttempt(event: Event): number {
    return this.#held.attempt(event);
  }

  /**
   * An inspector of this backend's stream and dead letters (`RedisInspector`), on a connection
   * of its own (or on `client` when one was given): for `createDashboard({ backend })` and other
   * operators' tools. Close it when done; closing the backend does not.
   */
  inspector(): RedisInspector {
    const o = this.#options;
    return new RedisInspector({
      redisUrl: o.redisUrl,
      ...(o.client !== undefined ? { client: o.client } : {}),
      streams: [o.streamKey],
      dlqStreams: { [o.streamKey]: o.dlqStream },
      commandTimeoutMs: o.commandTimeoutMs,
    });
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
      this.#reader.backOff();
      throw new RedisOperationError("consumer group creation (XGROUP CREATE)", this.#target, error);
    }
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
      accept: (entries, deliveries) => this.#reader.accept(entries, deliveries),
      groupMissing: () => {
        this.#groupReady = false;
      },
    });
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
    const failure = await withDeadline(
      this.#leave(client).then(
        () => undefined,
        (error: unknown) => `Redis failed: ${errorField(error)}`,
      ),
      CLOSE_TIMEOUT_MS,
      () => new Error(`Redis did not answer within ${CLOSE_TIMEOUT_MS} ms`),
    ).catch((timeout: Error) => timeout.message);
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
    await this.#settler.settled();
    if (this.#maintenance === undefined) return;
    // A read under way (one started ahead of a pull) delivers entries to this consumer: let them
    // arrive, so they are handed back with the rest.
    await this.#reader.idle();
    await this.#settler.handBackEntries(client);
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

/** How long `close()` waits for Redis before it drops the connections. */
const CLOSE_TIMEOUT_MS = 5_000;
