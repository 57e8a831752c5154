/**
 * The reading side of RedisBackend: `pull` and `take`, the one XREADGROUP under way on the reader
 * connection (and what happens when it fails or hangs), the backoff between failed reads, and
 * the acceptance of entries read or claimed into the batch {@link HeldEntries} keeps.
 */
import type { Event } from "../../core/event.js";
import type { Logger } from "../../core/logging.js";
import { backoff } from "../../utils/backoff.js";
import { isNoGroupError, type StreamClient, type StreamEntry } from "./client.js";
import { ATTEMPT_FIELD, GROUP_FIELD } from "./delayed-release.js";
import type { EntrySettler } from "./entry-settler.js";
import { RedisOperationError } from "./errors.js";
import type { HeldEntries } from "./held-entries.js";
import type { MetricsCounter } from "./metrics.js";
import type { ResolvedRedisBackendOptions } from "./options.js";
import type { OutageLog } from "./outage-log.js";
import { decodeEntry } from "./wire.js";

/** The pause after the n-th failed read in a row (50 ms doubling to 2 s, the curve it always had). */
const READ_BACKOFF = { initialMs: 50, factor: 2, maxMs: 2_000 } as const;
/**
 * A read started ahead of a pull blocks for 1 ms at most: it takes what is there now, and never
 * holds the reader (or a closing backend) waiting for entries that may not come.
 */
const READ_AHEAD_BLOCK_MS = 1;

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

/** What the reading side uses of its RedisBackend. */
export interface ReaderHost {
  readonly options: ResolvedRedisBackendOptions;
  readonly metrics: MetricsCounter;
  readonly log: Logger;
  readonly outage: OutageLog;
  readonly held: HeldEntries;
  /** The Redis URL with its password masked, for errors. */
  readonly target: string;
  /** Whether `close()` has begun. */
  isClosed(): boolean;
  /** The connection, once made. */
  client(): StreamClient | undefined;
  /** The connection, made if need be. */
  connect(): Promise<StreamClient>;
  /** Starts recovery and keep-alive, once. */
  startMaintenance(client: StreamClient): void;
  /** Whether the consumer group is known to exist. */
  isGroupReady(): boolean;
  /** Waits for the consumer group to exist, or for `signal` to abort. */
  groupCreated(client: StreamClient, signal?: AbortSignal): Promise<"created" | "aborted">;
  /** Creates the consumer group (again). */
  ensureGroup(client: StreamClient): Promise<void>;
  /** The consumer group turned out to be missing. */
  groupMissing(): void;
}

export class EntryReader {
  readonly #host: ReaderHost;
  /** Dead-letters the entries that cannot be handed out. */
  readonly #settler: EntrySettler;
  #read: Read | undefined;
  /**
   * The signal of the latest pull: reading ahead is on while it has not aborted. The Spine
   * passes its run's, aborted by `stop()`, so a stopping worker fetches nothing more; a pull
   * without a signal turns reading ahead off.
   */
  #readAheadUntil: AbortSignal | undefined;
  #readFailures = 0;
  #readBackoffUntil = 0;

  constructor(host: ReaderHost, settler: EntrySettler) {
    this.#host = host;
    this.#settler = settler;
  }

  /** See RedisBackend.pull. */
  async pull(timeoutMs: number, signal?: AbortSignal): Promise<Event | null> {
    const host = this.#host;
    this.#readAheadUntil = signal;
    host.held.pulling();
    const ready = this.take();
    if (ready !== undefined) return ready;
    if (host.isClosed() || signal?.aborted) return null;
    const client = await host.connect();
    host.startMaintenance(client);
    const deadline = Date.now() + Math.max(0, timeoutMs);
    // Whether Redis answered a read during this pull, so that "no event" is a fact.
    let answered = false;
    let started: Read | undefined;
    for (;;) {
      const event = this.take();
      if (event !== undefined) return event;
      if (host.isClosed() || signal?.aborted) return null;
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
        await host.held.sleep(
          (now < deadline ? Math.min(deadline, read.expiresAt) : read.expiresAt) - now,
          signal,
        );
        continue;
      }
      if (answered && now >= deadline) return null;
      if (now < this.#readBackoffUntil) {
        await host.held.sleep(this.#readBackoffUntil - now, signal);
        continue;
      }
      if (!host.isGroupReady() && (await host.groupCreated(client, signal)) === "aborted") {
        return null;
      }
      const free = host.options.batchSize - host.held.size;
      if (free <= 0) {
        // Every slot is taken by entries handed out: nothing can be read until one is settled.
        if (now >= deadline) return null;
        await host.held.sleep(deadline - now, signal);
        continue;
      }
      started = this.#startRead(client, free, deadline - now);
    }
  }

  /**
   * Starts the next read once the last entry held is settled (its commit sent), instead of when
   * the Spine next pulls: the read then goes to Redis beside the commits of the batch before it,
   * and both answers come back in one round trip instead of two. It is the read the next pull
   * would start (that pull finds it under way and waits for it), only earlier. Only while the
   * latest pull's signal is live (see `#readAheadUntil`). A read that failed is left for the next
   * pull to report.
   */
  readAhead(): void {
    const until = this.#readAheadUntil;
    if (until === undefined || until.aborted) return;
    const host = this.#host;
    const client = host.client();
    if (client === undefined || host.held.size !== 0 || host.isClosed() || !host.isGroupReady()) {
      return;
    }
    const read = this.#read;
    if (read !== undefined) {
      if (!read.done || read.error !== undefined) return;
      this.#read = undefined;
    }
    if (Date.now() < this.#readBackoffUntil) return;
    this.#startRead(client, host.options.batchSize, READ_AHEAD_BLOCK_MS);
  }

  /**
   * Resolves once no read is under way (bounded by the read's own expiry), so a closing backend
   * hands back what a last read delivered instead of leaving it pending on this consumer.
   */
  async idle(): Promise<void> {
    const read = this.#read;
    if (read === undefined || read.done) return;
    const until = read.expiresAt;
    while (!read.done && Date.now() < until) {
      await this.#host.held.sleep(until - Date.now(), undefined);
    }
  }

  /** See RedisBackend.take. */
  take(): Event | undefined {
    const event = this.#host.held.take();
    if (event !== undefined) this.#host.metrics.eventsPulled++;
    return event;
  }

  /** Makes the next pull wait before it reads: Redis just failed. */
  backOff(): void {
    this.#readFailures++;
    this.#readBackoffUntil = Date.now() + backoff(READ_BACKOFF, this.#readFailures);
  }

  /**
   * Takes entries read or claimed: events into the batch; an entry another group released, acked
   * unhandled; an event past `maxRetries` attempts and anything that is not an event, to the
   * dead-letter stream.
   */
  accept(entries: readonly StreamEntry[], deliveries?: ReadonlyMap<string, number>): void {
    const host = this.#host;
    const { streamKey, consumerGroup, dlqStream } = host.options;
    const client = host.client();
    for (const entry of entries) {
      if (entry.fields === null) continue;
      const forGroup = entry.fields[GROUP_FIELD];
      if (forGroup !== undefined && forGroup !== consumerGroup) {
        // Released with a delay by another group reading this stream: a retry of its own.
        client
          ?.ack(streamKey, consumerGroup, [entry.id])
          .catch((error: unknown) =>
            host.outage.taskFailed(`ack of an entry released by group ${forGroup}`, error),
          );
        continue;
      }
      const decoded = entry.invalid ?? decodeEntry(entry.fields);
      if (typeof decoded === "string") {
        host.log.warn(
          { entry_id: entry.id, stream: streamKey, reason: decoded },
          `Entry ${entry.id} is not a valid event; moving it to ${dlqStream}: ${decoded}`,
        );
        if (client !== undefined) {
          this.#settler
            .deadLetter(client, entry.id, decoded, "")
            .catch((error: unknown) => host.outage.taskFailed("dead-letter move", error));
        }
        continue;
      }
      const delivered = deliveries?.get(entry.id) ?? 1;
      const attempt = firstAttempt(entry.fields[ATTEMPT_FIELD]) + delivered - 1;
      const { maxRetries } = host.options;
      if (attempt > maxRetries) {
        // A released copy claimed after its consumer died: recovery saw its deliveries only.
        if (client !== undefined) {
          const why = `Exceeded ${maxRetries} deliveries (claimed on attempt ${attempt})`;
          this.#settler
            .deadLetter(client, entry.id, why, "")
            .catch((error: unknown) => host.outage.taskFailed("dead-letter move", error));
        }
        continue;
      }
      host.held.add(decoded, { id: entry.id, deliveries: delivered, attempt });
    }
    host.held.wake();
  }

  #startRead(client: StreamClient, count: number, blockMs: number): Read {
    const { options, held } = this.#host;
    const block = Math.max(1, blockMs);
    const limitMs = block + options.commandTimeoutMs;
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
      .readGroup(options.streamKey, options.consumerGroup, options.consumerName, count, block)
      .then(
        (entries) => {
          this.#readFailures = 0;
          this.accept(entries);
        },
        (error: unknown) => {
          read.error = error;
        },
      )
      .finally(() => {
        read.done = true;
        held.wake();
      });
    return read;
  }

  async #readFailed(client: StreamClient, error: unknown): Promise<void> {
    const host = this.#host;
    if (isNoGroupError(error)) {
      const { streamKey, consumerGroup } = host.options;
      // Redis restarted without persistence, or the key was deleted or evicted.
      host.groupMissing();
      host.log.warn(
        { stream: streamKey, group: consumerGroup },
        `Consumer group ${consumerGroup} on ${streamKey} is gone (Redis restarted without persistence, or the key was deleted); recreating it`,
      );
      if (this.#readFailures > 0) this.backOff();
      this.#readFailures++;
      await host.ensureGroup(client);
      return;
    }
    this.backOff();
    throw new RedisOperationError("read (XREADGROUP)", host.target, error);
  }

  /**
   * A read went unanswered past its block time plus `commandTimeoutMs`: the reader connection is
   * hung (Redis stopped, or a network path that drops packets without closing). Replaces the
   * connection and fails the pull. Whatever the lost read delivered stays pending for this
   * consumer and comes back through recovery once idle.
   */
  #readHung(client: StreamClient, read: Read): never {
    this.#read = undefined;
    this.#host.metrics.readsTimedOut++;
    client.resetReader();
    this.backOff();
    throw new RedisOperationError(
      "read (XREADGROUP)",
      this.#host.target,
      new Error(`no answer within ${read.limitMs} ms (its block time plus commandTimeoutMs)`),
    );
  }
}

/** The attempt an entry's first delivery is: its `attempt` field, or 1 (absent or not a count). */
function firstAttempt(field: string | undefined): number {
  if (field === undefined) return 1;
  const attempt = Number(field);
  return Number.isSafeInteger(attempt) && attempt >= 1 ? attempt : 1;
}
