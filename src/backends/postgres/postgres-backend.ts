/**
 * PostgresBackend: events in a PostgreSQL table, claimed in batches with
 * `FOR UPDATE SKIP LOCKED` under a lease, so many workers on many machines share one stream with
 * at-least-once delivery, and an application can enqueue an event in its own transaction (the
 * transactional outbox).
 *
 * A row a consumer claims is leased to it (`lease_owner`, `lease_expires_at`) until it settles;
 * the lease is renewed while the row is held, so only the rows of dead or stalled consumers come
 * back, once their lease expires. Every statement that settles a row is guarded by the owner and
 * the attempt the claim set: a consumer whose lease was taken over changes nothing, and a commit
 * that finds its row gone inserts none of its emitted events.
 */
import type { Backend, BackendCapabilities, ReleaseOptions } from "../../core/backend.js";
import { BackendClosedError, InvalidOptionError } from "../../core/errors.js";
import { Event } from "../../core/event.js";
import { errorField, type Logger, resolveLogger } from "../../core/logging.js";
import { withDeadline } from "../../utils/timing.js";
import { ArchivePruner } from "./archive-pruner.js";
import { Claims } from "./claims.js";
import type { PgQueryable, SqlClient } from "./client.js";
import { PostgresOperationError } from "./errors.js";
import { type PostgresBackendHealth, streamHealth } from "./health.js";
import { type Delivery, HeldRows } from "./held-rows.js";
import { IdempotentEnqueue } from "./idempotent-enqueue.js";
import { PostgresInspector } from "./inspector.js";
import { Notifications } from "./notifications.js";
import {
  type PostgresBackendOptions,
  type ResolvedPostgresBackendOptions,
  resolvePostgresBackendOptions,
} from "./options.js";
import { RowMoves } from "./row-moves.js";
import { type StreamTables, streamTables } from "./schema.js";
import { PostgresSchemaRegistryStore } from "./schema-registry.js";
import { SettleBatch } from "./settle-batch.js";
import { eventColumns, type Statements, statements } from "./sql.js";
import { StreamConnection } from "./stream-connection.js";
import { Wakeup } from "./wakeup.js";

/** Options of {@link PostgresBackend.enqueue} and {@link PostgresBackend.enqueueMany}. */
export interface PostgresEnqueueOptions {
  /**
   * Your own connection, inside a transaction you opened (`BEGIN`): the event is inserted in
   * that transaction, so workers see it only if it commits, and a rollback leaves no event (the
   * transactional outbox). A `pg.Client` or `pg.PoolClient` (anything with `query(text,
   * values)`). The backend never commits or rolls back for you.
   * @defaultValue the backend's own pool, each call its own transaction
   */
  client?: PgQueryable;
}

/** Events per INSERT of `enqueueMany`. */
const INSERT_CHUNK = 1_000;
/** How long `close()` waits for PostgreSQL before it gives up on giving rows back. */
const CLOSE_TIMEOUT_MS = 5_000;

export class PostgresBackend implements Backend, AsyncDisposable {
  readonly capabilities: BackendCapabilities = Object.freeze({
    durable: true,
    atomicCommit: true,
    synchronous: false,
    delayedRelease: true,
    deadLetter: true,
    redelivery: true,
    idempotentEnqueue: true,
  });
  readonly schema: string;
  readonly stream: string;
  readonly consumerName: string;
  /** Deliveries of an event before it goes to the dead-letter table. */
  readonly maxRetries: number;
  /** The quoted table names and the NOTIFY channel. */
  readonly tables: StreamTables;
  readonly #options: ResolvedPostgresBackendOptions;
  readonly #sql: Statements;
  readonly #log: Logger;
  readonly #held = new HeldRows();
  readonly #wakeup = new Wakeup();
  /** Acks and commits of one tick, sent as one statement. */
  readonly #settles: SettleBatch;
  readonly #moves: RowMoves;
  /** `enqueueOnce`: the stream's window of ids added that way. */
  readonly #once: IdempotentEnqueue;
  readonly #claims: Claims;
  #registry: PostgresSchemaRegistryStore | undefined;
  /** Deletes archived rows past `retentionMs`; none without a retention. */
  readonly #pruner: ArchivePruner | undefined;
  readonly #connection: StreamConnection;
  #notifications: Notifications | undefined;
  #firstListen: Promise<void> | undefined;
  #renewal: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Statements in flight, so `close()` can wait for them. */
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: PostgresBackendOptions) {
    this.#options = resolvePostgresBackendOptions(options);
    this.schema = this.#options.schema;
    this.stream = this.#options.stream;
    this.consumerName = this.#options.consumerName;
    this.maxRetries = this.#options.maxRetries;
    this.tables = streamTables(this.schema, this.stream);
    this.#sql = statements(this.tables, { archive: this.#options.retentionMs > 0 });
    this.#settles = new SettleBatch(this.#sql.settle, this.consumerName, this.tables.channel);
    this.#moves = new RowMoves(this.#sql, this.consumerName, this.tables.channel);
    this.#once = new IdempotentEnqueue(this.tables);
    this.#log = resolveLogger(this.#options.logger, "necrostack.postgres");
    this.#connection = new StreamConnection(this.#options, this.tables, this.#log);
    this.#claims = new Claims({
      options: this.#options,
      sql: this.#sql,
      connection: this.#connection,
      held: this.#held,
      log: this.#log,
      track: (promise) => this.#track(promise),
      deadLetter: (deliveries, reasons) => this.#deadLetter(deliveries, reasons),
      listening: () => this.#notifications?.listening ?? false,
      closed: () => this.#closed,
    });
    if (this.#options.retentionMs > 0) {
      this.#pruner = new ArchivePruner(this.#sql.prune, this.#options.retentionMs, (error) =>
        this.#log.warn(
          { error: errorField(error) },
          "Pruning the archive failed; the next round retries",
        ),
      );
    }
  }

  /**
   * Adds an event. Without `options.client`, resolves once PostgreSQL has committed it. With
   * it, the event is part of that connection's open transaction: it is delivered only once you
   * commit, and never if you roll back.
   */
  async enqueue(event: Event, options?: PostgresEnqueueOptions): Promise<void> {
    if (!(event instanceof Event)) {
      throw new TypeError(`enqueue() takes an Event, got ${typeof event}`);
    }
    await this.enqueueMany([event], options);
  }

  /**
   * Adds events, in order. Without `options.client`, all of them in one transaction of the
   * backend's own; with it, in that connection's transaction (see {@link enqueue}).
   */
  async enqueueMany(events: readonly Event[], options: PostgresEnqueueOptions = {}): Promise<void> {
    if (!Array.isArray(events) || events.some((event) => !(event instanceof Event))) {
      throw new TypeError("enqueueMany() takes an array of Events");
    }
    const { client: userClient } = options;
    if (userClient !== undefined && typeof userClient?.query !== "function") {
      throw new InvalidOptionError("client", "a pg.Client or pg.PoolClient", userClient);
    }
    if (this.#closed) throw new BackendClosedError("enqueue");
    if (events.length === 0) return;
    const client = await this.#connection.ready();
    const insert = async (run: (text: string, values: unknown[]) => Promise<unknown>) => {
      for (let from = 0; from < events.length; from += INSERT_CHUNK) {
        const c = eventColumns(events, from, Math.min(events.length, from + INSERT_CHUNK));
        const values = [c.ids, c.timestamps, c.types, c.payloads, c.headers, this.tables.channel];
        await run(this.#sql.insert, values);
      }
    };
    try {
      if (userClient !== undefined) {
        await insert((text, values) => userClient.query(text, values));
      } else if (events.length <= INSERT_CHUNK) {
        await insert((text, values) => client.query(text, values));
      } else {
        await client.transaction((query) => insert((text, values) => query(text, values)));
      }
    } catch (error) {
      throw new PostgresOperationError("enqueue (INSERT)", this.#options.target, error);
    }
    // Its own pulls need no notification to look again.
    if (userClient === undefined) this.#wakeup.wake();
  }

  /**
   * Adds `event` unless an event with its id was added by `enqueueOnce` before (within the
   * latest 100,000 such ids, kept in `<stream>_once`), in one statement; resolves whether it was
   * added. What a RoutingBackend or a bridge forwards with, so a copy forwarded again after a
   * crash is dropped.
   */
  async enqueueOnce(event: Event): Promise<boolean> {
    if (!(event instanceof Event)) {
      throw new TypeError(`enqueueOnce() takes an Event, got ${typeof event}`);
    }
    if (this.#closed) throw new BackendClosedError("enqueue");
    const client = await this.#connection.ready();
    let added: boolean;
    try {
      added = await this.#once.enqueue(client, event);
    } catch (error) {
      throw new PostgresOperationError("enqueueOnce (INSERT)", this.#options.target, error);
    }
    if (added) this.#wakeup.wake();
    return added;
  }

  /**
   * The next event for this consumer: from the batch already claimed, else from a new claim,
   * waiting up to `timeoutMs` for a notification or the next poll. Resolves null on abort or
   * close, or once PostgreSQL has answered that nothing is ready and the time is up; rejects
   * with `PostgresOperationError` when a claim fails (after a failure, the next claim waits out
   * a backoff of up to 2 s). An abort never loses a row: a claim under way fills the batch for
   * the next pull.
   */
  async pull(timeoutMs = 1_000, signal?: AbortSignal): Promise<Event | null> {
    const ready = this.#claims.handOut();
    if (ready !== undefined) return ready;
    if (this.#closed || signal?.aborted) return null;
    await this.#connectAndMigrate();
    const deadline = Date.now() + Math.max(0, timeoutMs);
    let answered = false;
    for (;;) {
      const event = this.#claims.handOut();
      if (event !== undefined) return event;
      if (this.#closed || signal?.aborted) return null;
      const now = Date.now();
      if (answered && now >= deadline) return null;
      if (now < this.#claims.backoffUntil) {
        await this.#wakeup.sleep(this.#claims.backoffUntil - now, signal);
        continue;
      }
      if (this.#held.size >= this.#options.batchSize) {
        // Every slot is held by events handed out: nothing is claimed until one settles.
        await this.#wakeup.sleep(deadline - now, signal);
        answered = true;
        continue;
      }
      const version = this.#wakeup.version;
      const claimed = await this.#claims.claim();
      answered = true;
      if (claimed > 0) continue;
      const wait = Math.min(deadline - Date.now(), await this.#claims.nextWait());
      // Woken while claiming or asking what is due (a notification, an enqueue): look again.
      if (this.#wakeup.version !== version) continue;
      await this.#wakeup.sleep(wait, signal);
    }
  }

  /**
   * An event of the batch already claimed, or undefined when it is empty (then `pull` claims
   * more). Counted as pulled, like one `pull` hands out.
   */
  take(): Event | undefined {
    return this.#claims.handOut();
  }

  /**
   * Deletes the row `event` came from, in one statement with the other acks and commits of the
   * same tick. Idempotent; an event this backend does not hold is ignored.
   */
  async ack(event: Event): Promise<void> {
    const delivery = this.#settle(event);
    if (delivery === undefined) return;
    const client = await this.#connection.ready();
    try {
      await this.#track(this.#settles.settle(client, delivery, undefined));
    } catch (error) {
      // Its lease is no longer renewed: it is delivered again once it expires.
      throw new PostgresOperationError("ack (DELETE)", this.#options.target, error);
    }
  }

  /**
   * Deletes the row `event` came from and inserts `emitted`, atomically, only while this
   * consumer still holds the row's lease; otherwise inserts nothing (the consumer that claimed
   * it will handle it). The acks and commits of one tick go in one statement, each row's delete
   * and inserts still all or nothing. An event this backend does not hold is not acked; its
   * emitted events are added.
   */
  async commit(event: Event, emitted: readonly Event[]): Promise<void> {
    const delivery = this.#settle(event);
    if (delivery === undefined) {
      await this.enqueueMany(emitted);
      return;
    }
    const client = await this.#connection.ready();
    let owned: boolean;
    try {
      owned = await this.#track(this.#settles.settle(client, delivery, eventColumns(emitted)));
    } catch (error) {
      // Nothing was deleted or inserted; the row comes back once its lease expires.
      throw new PostgresOperationError("commit", this.#options.target, error);
    }
    if (!owned) {
      this.#log.warn(
        { event_id: event.id, event_type: event.eventType, seq: delivery.seq },
        `Row ${delivery.seq} (${event.eventType}) is no longer leased to ${this.consumerName} (its lease expired and another consumer claimed it); its ${emitted.length} emitted event(s) were not added`,
      );
      return;
    }
    if (emitted.length > 0) this.#wakeup.wake();
  }

  /** Moves the row `event` came from to the dead-letter table now, with `reason`. */
  async nack(event: Event, reason = "Rejected by its consumer"): Promise<void> {
    const delivery = this.#settle(event);
    if (delivery === undefined) return;
    await this.#deadLetter([delivery], [reason]);
  }

  /**
   * Stops holding `event` without deleting it, for it to be delivered again on its next
   * attempt (to this or another consumer): at once, or no sooner than `delayMs` from now. On its
   * `maxRetries`th attempt it goes to the dead-letter table instead, with `reason`. Rejects with
   * `PostgresOperationError` when PostgreSQL fails; the row then comes back once its lease
   * expires. An event this backend does not hold is ignored.
   */
  async release(event: Event, options: ReleaseOptions = {}): Promise<void> {
    const delivery = this.#settle(event);
    const { reason, delayMs = 0 } = options;
    if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new InvalidOptionError("delayMs", "a finite number of ms >= 0", delayMs);
    }
    if (delivery === undefined) return;
    if (delivery.attempt >= this.maxRetries) {
      const why = `Failed on all ${this.maxRetries} deliveries; last failure: ${reason ?? "not given"}`;
      await this.#deadLetter([delivery], [why]);
      return;
    }
    await this.#giveBack([delivery], 0, delayMs, "release");
  }

  /**
   * Gives back an event the Spine pulled but never started (its run stopped): its row is
   * released at once, its attempt not counted. Synchronous; never throws (should PostgreSQL
   * fail, the row comes back when its lease expires).
   */
  handBack(event: Event): void {
    const delivery = this.#settle(event);
    if (delivery === undefined || !this.#connection.opened) return;
    this.#giveBack([delivery], 1, 0, "hand-back").catch((error: unknown) =>
      this.#log.warn(
        { error: errorField(error) },
        "Hand-back of an unhandled event failed; its row comes back when its lease expires",
      ),
    );
  }

  /**
   * How many times the event, as pulled, has been delivered: 1 the first time. Kept after it
   * settles; an event this backend did not deliver is on attempt 1.
   */
  deliveryAttempt(event: Event): number {
    return this.#held.attempt(event);
  }

  /** The round trip of counting the stream's rows (bounded), and what this consumer holds. Never rejects. */
  health(): Promise<PostgresBackendHealth> {
    const base = {
      schema: this.schema,
      stream: this.stream,
      consumer: this.consumerName,
      held: this.#held.size,
      listening: this.#notifications?.listening ?? false,
    };
    const connect = () =>
      this.#closed
        ? Promise.reject(new BackendClosedError("check health"))
        : this.#connection.ready();
    return streamHealth(connect, this.#sql.levels, base);
  }

  /**
   * The schema registry of this stream, in its tables `<stream>_schema_types` and
   * `<stream>_schemas`, on this backend's connection: the same store for every call (see
   * `SchemaRegistry.of(backend)` and the worker's `--catalog`).
   */
  schemaRegistry(): PostgresSchemaRegistryStore {
    this.#registry ??= new PostgresSchemaRegistryStore(
      {},
      { connection: this.#connection, tables: this.tables, target: this.#options.target },
    );
    return this.#registry;
  }

  /**
   * An inspector of this backend's stream table and dead letters (`PostgresInspector`), on a
   * small pool of its own (or on `pool` when one was given): for `createDashboard({ backend })`
   * and other operators' tools. Close it when done; closing the backend does not.
   */
  inspector(): PostgresInspector {
    const o = this.#options;
    return new PostgresInspector({
      url: o.url,
      ...(o.pool !== undefined ? { pool: o.pool } : {}),
      schema: o.schema,
      streams: [o.stream],
    });
  }

  /**
   * Waits for statements under way, gives back every row held (those never handed out without
   * counting the delivery; those handed out and not settled as a failed delivery), stops
   * listening and ends the pool it made. Pending pulls resolve null. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Connection, schema, background work

  /**
   * The first pull also starts listening and the lease renewal; every pull waits for the first
   * LISTEN attempt (made once; later ones are the listener's own reconnections).
   */
  async #connectAndMigrate(): Promise<void> {
    const client = await this.#connection.ready();
    if (this.#notifications === undefined && !this.#closed) {
      this.#notifications = new Notifications(
        client,
        this.tables.channel,
        () => {
          this.#claims.resetPolls();
          this.#wakeup.wake();
        },
        this.#log,
      );
      const every = Math.max(50, Math.floor(this.#options.leaseMs / 3));
      this.#renewal = setInterval(() => this.#renewLeases(client), every);
      this.#renewal.unref?.();
      this.#pruner?.start(client);
      this.#firstListen = this.#notifications.start();
    }
    await this.#firstListen;
  }

  #renewLeases(client: SqlClient): void {
    for (const renewal of this.#moves.renew(
      client.query,
      this.#held.seqs(),
      this.#options.leaseMs,
    )) {
      this.#track(renewal).catch((error: unknown) =>
        this.#log.warn(
          { error: errorField(error) },
          "Lease renewal failed; the rows held may be claimed by another consumer if it keeps failing for leaseMs",
        ),
      );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Settling

  #settle(event: Event): Delivery | undefined {
    const full = this.#held.size >= this.#options.batchSize;
    const delivery = this.#held.settle(event);
    // A slot is free: a pull waiting on a full batch may claim again. (Not on every settle: a
    // pull waiting for a notification would claim again for nothing.)
    if (delivery !== undefined && full) this.#wakeup.wake();
    return delivery;
  }

  async #deadLetter(deliveries: readonly Delivery[], reasons: readonly string[]): Promise<void> {
    const client = await this.#connection.ready();
    try {
      await this.#track(this.#moves.deadLetter(client.query, deliveries, reasons));
    } catch (error) {
      throw new PostgresOperationError("dead-letter move", this.#options.target, error);
    }
  }

  /** Releases rows: `back` 1 does not count the delivery; `delayMs` makes them wait. */
  async #giveBack(
    deliveries: readonly Delivery[],
    back: 0 | 1,
    delayMs: number,
    what: string,
  ): Promise<void> {
    const client = await this.#connection.ready();
    try {
      await this.#track(this.#moves.release(client.query, deliveries, back, delayMs));
    } catch (error) {
      throw new PostgresOperationError(what, this.#options.target, error);
    }
    if (delayMs <= 0) this.#wakeup.wake();
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

  async #shutdown(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#renewal);
    this.#wakeup.wake();
    await this.#pruner?.stop();
    const client = await this.#connection.closing();
    await this.#notifications?.stop();
    if (client === undefined) return;
    const failure = await withDeadline(
      this.#leave().then(
        () => undefined,
        (error: unknown) => `PostgreSQL failed: ${errorField(error)}`,
      ),
      CLOSE_TIMEOUT_MS,
      () => new Error(`PostgreSQL did not answer within ${CLOSE_TIMEOUT_MS} ms`),
    ).catch((timeout: Error) => timeout.message);
    if (failure !== undefined) {
      this.#log.warn(
        { consumer: this.consumerName },
        `${failure} while closing; rows held come back when their lease expires`,
      );
    }
    await client
      .close()
      .catch((error: unknown) =>
        this.#log.debug({ error: errorField(error) }, "Ending the pool failed"),
      );
  }

  /** Waits for statements under way, then gives back every row held. */
  async #leave(): Promise<void> {
    await Promise.allSettled(Array.from(this.#inFlight));
    const { untaken, unsettled } = this.#held.drain();
    const client = await this.#connection.readyBefore();
    if (client === undefined) return;
    // Straight on the client: #giveBack goes through #connect, which refuses once closed.
    await this.#moves.release(client.query, untaken, 1, 0);
    await this.#moves.release(client.query, unsettled, 0, 0);
  }
}
