/**
 * Settlement: settles each executed trade with the clearing house, asynchronously. Transient
 * outages are retried here with exponential backoff; a decline is a final answer and becomes
 * SETTLEMENT_FAILED. What cannot be settled at all (retries used up, or no answer before the
 * Spine's `handlerTimeoutMs`) fails the handler, and the Spine puts the trade in its dead-letter
 * store (the failed-event store in memory; the backend's dead-letter stream on Redis) for an
 * operator to replay.
 */
import { Event, NecroStackError, Organ } from "necrostack";
import { type ClearingHouse, ClearingHouseUnavailableError } from "../clearing-house.js";
import type { SettlementComplete, SettlementFailed, TradeExecuted } from "../events.js";

/** Every attempt to reach the clearing house failed with a transient error. */
export class SettlementRetriesExhaustedError extends NecroStackError {
  readonly tradeId: string;
  readonly attempts: number;

  constructor(tradeId: string, attempts: number, cause: unknown) {
    super(
      `Trade ${tradeId} could not be settled: the clearing house was unavailable on all ${attempts} attempts; replay it from the dead-letter store once it is back`,
      "ERR_SETTLEMENT_RETRIES_EXHAUSTED",
      { cause },
    );
    this.tradeId = tradeId;
    this.attempts = attempts;
  }
}

/** Options for {@link Settlement}. */
export interface SettlementOptions {
  /** Calls to the clearing house per trade, the first included. @defaultValue 3 */
  maxAttempts?: number;
  /** Retry `n` (from 1) waits `retryBaseDelayMs * 2 ** (n - 1)` ms. @defaultValue 5 */
  retryBaseDelayMs?: number;
}

export class Settlement extends Organ<TradeExecuted> {
  readonly listensTo = ["TRADE_EXECUTED"] as const;
  /** Calls that were retries. */
  retries = 0;
  readonly #house: ClearingHouse;
  readonly #maxAttempts: number;
  readonly #retryBaseDelayMs: number;

  constructor(house: ClearingHouse, options: SettlementOptions = {}) {
    super();
    this.#house = house;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 5;
    if (!Number.isSafeInteger(this.#maxAttempts) || this.#maxAttempts < 1) {
      throw new RangeError(
        `Expected \`maxAttempts\` to be an integer >= 1, got ${this.#maxAttempts}`,
      );
    }
  }

  async handle(event: TradeExecuted): Promise<SettlementComplete | SettlementFailed> {
    const trade = event.payload;
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await this.#house.settle(trade, attempt);
        if (reply.status === "SETTLED") {
          return new Event("SETTLEMENT_COMPLETE", {
            ...trade,
            feeTicks: reply.feeTicks,
            attempts: attempt,
          });
        }
        return new Event("SETTLEMENT_FAILED", {
          ...trade,
          reason: reply.reason,
          accountId: reply.accountId,
          attempts: attempt,
        });
      } catch (error) {
        if (!(error instanceof ClearingHouseUnavailableError)) throw error;
        if (attempt >= this.#maxAttempts) {
          throw new SettlementRetriesExhaustedError(trade.tradeId, attempt, error);
        }
        this.retries++;
        const delay = this.#retryBaseDelayMs * 2 ** (attempt - 1);
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
