/**
 * Acks and commits made in the same tick go to PostgreSQL as one statement (see
 * `Statements.settle`). With many events in flight, the Spine finishes a whole batch of them
 * before any I/O happens; one statement and one NOTIFY instead of one of each per event saves
 * most of the per-statement cost on both sides. Each settle still resolves with its own row's
 * result: whether this consumer still held it.
 *
 * At most {@link MAX_IN_FLIGHT} statements are out at once. Settles made while they are join
 * the next, which goes as soon as one comes back: under load, batches grow with the round trip
 * instead of the number of statements (a group commit), and an idle backend still sends its
 * first settle at once.
 *
 * A flush is cut into statements of at most {@link STATEMENT_MAX_ROWS} rows (settled plus
 * emitted) and about {@link STATEMENT_MAX_BYTES} bytes of event JSON, so a tick of large
 * fan-outs never builds one giant statement. One entry's settle is never split: its delete and
 * its inserts stay one atomic step, so an entry larger than the cut goes in a statement of its
 * own.
 */
import type { SqlClient } from "./client.js";
import type { Delivery } from "./held-rows.js";
import type { EventColumns } from "./sql.js";

/** Rows (settled plus emitted) per statement before a flush starts another. */
export const STATEMENT_MAX_ROWS = 4_096;
/** Characters of event and header JSON per statement before a flush starts another. */
export const STATEMENT_MAX_BYTES = 4 * 1024 * 1024;
/** Settle statements out at once; more settles wait for one to come back. */
export const MAX_IN_FLIGHT = 1;

interface PendingSettle {
  readonly delivery: Delivery;
  /** The events to insert with it; undefined for an ack. */
  readonly emitted: EventColumns | undefined;
  readonly rows: number;
  /** UTF-16 length of the JSON texts: a cheap stand-in for their size in bytes. */
  readonly size: number;
  resolve(owned: boolean): void;
  reject(error: unknown): void;
}

export class SettleBatch {
  readonly #statement: string;
  readonly #owner: string;
  readonly #channel: string;
  #client: SqlClient | undefined;
  #queue: PendingSettle[] = [];
  /** Whether a flush is scheduled for the end of this run of microtasks. */
  #scheduled = false;
  #inFlight = 0;

  constructor(statement: string, owner: string, channel: string) {
    this.#statement = statement;
    this.#owner = owner;
    this.#channel = channel;
  }

  /**
   * Deletes `delivery`'s row and inserts `emitted` (none for an ack) if this consumer still
   * holds it at that attempt. Resolves whether it did; nothing is inserted when it did not.
   */
  settle(
    client: SqlClient,
    delivery: Delivery,
    emitted: EventColumns | undefined,
  ): Promise<boolean> {
    let size = 0;
    let rows = 1;
    if (emitted !== undefined) {
      rows += emitted.ids.length;
      for (const payload of emitted.payloads) size += payload.length;
      for (const headers of emitted.headers) size += headers?.length ?? 0;
    }
    this.#client = client;
    return new Promise((resolve, reject) => {
      this.#queue.push({ delivery, emitted, rows, size, resolve, reject });
      this.#schedule();
    });
  }

  /** Flushes after the current run of microtasks (every settle made meanwhile joins in), unless statements are out. */
  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= MAX_IN_FLIGHT || this.#queue.length === 0) return;
    this.#scheduled = true;
    process.nextTick(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  /** Sends the settles queued, as statements cut at the limits, while fewer than the maximum are out. */
  #flush(): void {
    const client = this.#client;
    if (client === undefined) return;
    while (this.#queue.length > 0 && this.#inFlight < MAX_IN_FLIGHT) {
      const queue = this.#queue;
      let end = 0;
      let rows = 0;
      let bytes = 0;
      for (; end < queue.length; end++) {
        const pending = queue[end] as PendingSettle;
        const over =
          rows + pending.rows > STATEMENT_MAX_ROWS || bytes + pending.size > STATEMENT_MAX_BYTES;
        if (end > 0 && over) break;
        rows += pending.rows;
        bytes += pending.size;
      }
      this.#queue = end === queue.length ? [] : queue.slice(end);
      this.#send(client, end === queue.length ? queue : queue.slice(0, end));
    }
  }

  #send(client: SqlClient, batch: readonly PendingSettle[]): void {
    this.#inFlight++;
    const seqs: string[] = [];
    const attempts: number[] = [];
    const entries: number[] = [];
    const c: EventColumns = { ids: [], timestamps: [], types: [], payloads: [], headers: [] };
    for (let k = 0; k < batch.length; k++) {
      const { delivery, emitted } = batch[k] as PendingSettle;
      seqs.push(delivery.seq);
      attempts.push(delivery.attempt);
      if (emitted === undefined) continue;
      // Element by element, never a spread: a fan-out may be larger than the argument limit.
      for (let i = 0; i < emitted.ids.length; i++) {
        entries.push(k + 1);
        c.ids.push(emitted.ids[i] as string);
        c.timestamps.push(emitted.timestamps[i] as string);
        c.types.push(emitted.types[i] as string);
        c.payloads.push(emitted.payloads[i] as string);
        c.headers.push(emitted.headers[i] ?? null);
      }
    }
    client
      .query<{ acked: number[] }>(this.#statement, [
        seqs,
        attempts,
        this.#owner,
        entries,
        c.ids,
        c.timestamps,
        c.types,
        c.payloads,
        c.headers,
        this.#channel,
      ])
      .then(
        ([result]) => {
          const acked = new Set(result?.acked ?? []);
          for (let k = 0; k < batch.length; k++) {
            (batch[k] as PendingSettle).resolve(acked.has(k + 1));
          }
        },
        (error: unknown) => {
          for (const pending of batch) pending.reject(error);
        },
      )
      .finally(() => {
        this.#inFlight--;
        this.#schedule();
      });
  }
}
