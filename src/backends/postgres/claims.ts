/**
 * Claiming rows for one consumer: the claim statement (shared by concurrent pulls, with a
 * backoff after failures), the read ahead that starts the next claim while the batch runs low,
 * and how long a pull that found nothing sleeps (polling is the fallback of notifications).
 */
import type { Event } from "../../core/event.js";
import { errorField, type Logger } from "../../core/logging.js";
import { backoff } from "../../utils/backoff.js";
import { sortClaimed } from "./claimed-rows.js";
import { PostgresOperationError } from "./errors.js";
import type { Delivery, HeldRows } from "./held-rows.js";
import type { ResolvedPostgresBackendOptions } from "./options.js";
import type { ClaimedRow, Statements } from "./sql.js";
import type { StreamConnection } from "./stream-connection.js";

/** The pause after the n-th failed claim in a row. */
const CLAIM_BACKOFF = { initialMs: 50, factor: 2, maxMs: 2_000 } as const;
/** Polls after a miss: from this, doubling up to `pollIntervalMs`. */
const FIRST_POLL_MS = 25;

/** What claiming needs from its backend. */
export interface ClaimsContext {
  readonly options: ResolvedPostgresBackendOptions;
  readonly sql: Statements;
  readonly connection: StreamConnection;
  readonly held: HeldRows;
  readonly log: Logger;
  /** Registers a statement, so `close()` waits for it. */
  readonly track: <T>(promise: Promise<T>) => Promise<T>;
  readonly deadLetter: (
    deliveries: readonly Delivery[],
    reasons: readonly string[],
  ) => Promise<void>;
  /** Whether the LISTEN connection is up. */
  readonly listening: () => boolean;
  readonly closed: () => boolean;
}

export class Claims {
  readonly #c: ClaimsContext;
  /** Events left in the batch when the next claim starts ahead of the pulls. */
  readonly #lowWater: number;
  /** The claim under way, shared by concurrent pulls. */
  #claiming: Promise<number> | undefined;
  /** Whether the last claim got every row it asked for: more are likely waiting. */
  #claimedFull = false;
  #failures = 0;
  #backoffUntil = 0;
  #emptyPolls = 0;

  constructor(context: ClaimsContext) {
    this.#c = context;
    this.#lowWater = Math.floor(context.options.batchSize / 4);
  }

  /** No claim starts before this time (epoch ms): the backoff after failed claims. */
  get backoffUntil(): number {
    return this.#backoffUntil;
  }

  /** Something arrived (a notification): the next miss polls soon again. */
  resetPolls(): void {
    this.#emptyPolls = 0;
  }

  /**
   * The next event of the batch. Once the batch runs low while the last claim came back full
   * (rows are likely waiting), the next claim starts now, so its round trip overlaps the
   * handling of the events still in the batch instead of following it (a read ahead).
   */
  handOut(): Event | undefined {
    const event = this.#c.held.take();
    if (
      event !== undefined &&
      this.#claimedFull &&
      this.#claiming === undefined &&
      this.#c.held.ready <= this.#lowWater &&
      this.#c.held.size < this.#c.options.batchSize &&
      !this.#c.closed() &&
      Date.now() >= this.#backoffUntil
    ) {
      this.claim().catch((error: unknown) =>
        // The next pull claims again, after the backoff, and reports a failure that lasts.
        this.#c.log.debug({ error: errorField(error) }, "A claim ahead failed"),
      );
    }
    return event;
  }

  /** Claims up to the free slots, shared by concurrent pulls. Resolves how many events it added. */
  claim(): Promise<number> {
    this.#claiming ??= this.#c.track(this.#claimNow()).finally(() => {
      this.#claiming = undefined;
    });
    return this.#claiming;
  }

  async #claimNow(): Promise<number> {
    const client = await this.#c.connection.ready();
    const free = this.#c.options.batchSize - this.#c.held.size;
    let rows: ClaimedRow[];
    try {
      rows = await client.query<ClaimedRow>(this.#c.sql.claim, [
        free,
        this.#c.options.consumerName,
        this.#c.options.leaseMs,
      ]);
    } catch (error) {
      this.#failures++;
      this.#backoffUntil = Date.now() + backoff(CLAIM_BACKOFF, this.#failures);
      throw new PostgresOperationError(
        "claim (SELECT ... FOR UPDATE SKIP LOCKED)",
        this.#c.options.target,
        error,
      );
    }
    this.#failures = 0;
    this.#claimedFull = rows.length === free;
    const { events, doomed, reasons, invalid } = sortClaimed(rows, this.#c.options.maxRetries);
    for (const { seq, reason } of invalid) {
      this.#c.log.warn(
        { seq, reason },
        `Row ${seq} is not a valid event; moving it to the dead-letter table: ${reason}`,
      );
    }
    for (const { event, delivery } of events) this.#c.held.add(event, delivery);
    const added = events.length;
    if (doomed.length > 0) {
      this.#c
        .deadLetter(doomed, reasons)
        .catch((error: unknown) =>
          this.#c.log.warn(
            { error: errorField(error) },
            "Dead-letter move failed; the rows come back when their lease expires",
          ),
        );
    }
    if (added > 0) this.#emptyPolls = 0;
    return added;
  }

  /** How long a pull that found nothing sleeps: until the next delayed row or lease is due, at most the poll backoff. */
  async nextWait(): Promise<number> {
    const listening = this.#c.listening();
    this.#emptyPolls++;
    const poll = listening
      ? this.#c.options.pollIntervalMs
      : backoff(
          { initialMs: FIRST_POLL_MS, maxMs: this.#c.options.pollIntervalMs },
          this.#emptyPolls,
        );
    try {
      const client = await this.#c.connection.ready();
      const [row] = await client.query<{ due_ms: number | null }>(this.#c.sql.nextDue);
      const due = row?.due_ms;
      // A few ms late rather than early: now() on the server and this timer are not one clock.
      return due === null || due === undefined ? poll : Math.min(poll, Math.ceil(due) + 5);
    } catch {
      return Math.min(poll, FIRST_POLL_MS * 4);
    }
  }
}
