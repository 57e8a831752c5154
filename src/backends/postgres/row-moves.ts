/**
 * The statements that move held rows elsewhere than out of the table: back into the queue
 * (release, hand-back, close) or into the dead-letter table. Each goes in chunks of
 * {@link CHUNK} rows, so a statement's arrays stay bounded whatever a consumer holds; each is
 * guarded by the owner and attempt, so rows another consumer took over are left alone.
 */
import type { Query } from "./client.js";
import type { Delivery } from "./held-rows.js";
import type { Statements } from "./sql.js";

/** Rows per statement when a list is given back, dead-lettered or renewed. */
export const CHUNK = 1_000;

export class RowMoves {
  readonly #sql: Statements;
  readonly #owner: string;
  readonly #channel: string;

  constructor(sql: Statements, owner: string, channel: string) {
    this.#sql = sql;
    this.#owner = owner;
    this.#channel = channel;
  }

  /**
   * Releases rows for delivery again, after `delayMs`. `back` 1 does not count the delivery
   * (the event was never started); 0 counts it (a failed delivery).
   */
  async release(
    query: Query,
    deliveries: readonly Delivery[],
    back: 0 | 1,
    delayMs: number,
  ): Promise<void> {
    for (let from = 0; from < deliveries.length; from += CHUNK) {
      const chunk = deliveries.slice(from, from + CHUNK);
      await query(this.#sql.release, [
        chunk.map((d) => d.seq),
        chunk.map((d) => d.attempt),
        chunk.map(() => back),
        this.#owner,
        delayMs,
        this.#channel,
      ]);
    }
  }

  /** Moves rows to the dead-letter table, each with its reason (`reasons[i]` for `deliveries[i]`). */
  async deadLetter(
    query: Query,
    deliveries: readonly Delivery[],
    reasons: readonly string[],
  ): Promise<void> {
    for (let from = 0; from < deliveries.length; from += CHUNK) {
      const chunk = deliveries.slice(from, from + CHUNK);
      await query(this.#sql.deadLetter, [
        chunk.map((d) => d.seq),
        chunk.map((d) => d.attempt),
        reasons.slice(from, from + CHUNK),
        this.#owner,
      ]);
    }
  }

  /** Renews the lease of rows this consumer holds, chunk by chunk; each chunk settles on its own. */
  renew(query: Query, seqs: readonly string[], leaseMs: number): Promise<void>[] {
    const renewals: Promise<void>[] = [];
    for (let from = 0; from < seqs.length; from += CHUNK) {
      const chunk = seqs.slice(from, from + CHUNK);
      renewals.push(query(this.#sql.renew, [this.#owner, chunk, leaseMs]).then(() => undefined));
    }
    return renewals;
  }
}
