/**
 * Settlement: settles each executed trade with the clearing house, asynchronously. Transient
 * outages are retried here with exponential backoff; a decline is a final answer and becomes
 * SETTLEMENT_FAILED. What cannot be settled at all (retries used up, or no answer before the
 * Spine's `handlerTimeoutMs`) fails the handler, and the Spine puts the trade in its dead-letter
 * store (the failed-event store in memory; the backend's dead-letter stream on Redis) for an
 * operator to replay.
 */
import { Event, NecroStackError, Organ } from "necrostack";
import {
  type ClearingHouse,
  ClearingHouseUnavailableError,
  type SettlementReply,
} from "../clearing-house.js";
import type {
  SettlementComplete,
  SettlementFailed,
  TradeExecuted,
  TradePayload,
} from "../events.js";

type Result = SettlementComplete | SettlementFailed;

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

  /**
   * Returns the result synchronously when the clearing house answers synchronously (no simulated
   * latency), so the Spine handles the trade on its fast path with no await; otherwise a promise.
   */
  handle(event: TradeExecuted): Result | Promise<Result> {
    return this.#attempt(event.payload, 1);
  }

  #attempt(trade: Readonly<TradePayload>, attempt: number): Result | Promise<Result> {
    let reply: SettlementReply | Promise<SettlementReply>;
    try {
      reply = this.#house.settle(trade, attempt);
    } catch (error) {
      return this.#retry(trade, attempt, error);
    }
    if (reply instanceof Promise) {
      return reply.then(
        (answer) => settlementEvent(trade, answer, attempt),
        (error: unknown) => this.#retry(trade, attempt, error),
      );
    }
    return settlementEvent(trade, reply, attempt);
  }

  /** After a failed call: tries again after a backoff while attempts remain and the error is transient. */
  #retry(trade: Readonly<TradePayload>, attempt: number, error: unknown): Result | Promise<Result> {
    if (!(error instanceof ClearingHouseUnavailableError)) throw error;
    if (attempt >= this.#maxAttempts) {
      throw new SettlementRetriesExhaustedError(trade.tradeId, attempt, error);
    }
    this.retries++;
    const delay = this.#retryBaseDelayMs * 2 ** (attempt - 1);
    if (delay === 0) return this.#attempt(trade, attempt + 1);
    return new Promise((resolve) => setTimeout(resolve, delay)).then(() =>
      this.#attempt(trade, attempt + 1),
    );
  }
}

function settlementEvent(
  trade: Readonly<TradePayload>,
  reply: SettlementReply,
  attempts: number,
): Result {
  const { tradeId, symbol, buyerId, sellerId, quantity, priceTicks } = trade;
  if (reply.status === "SETTLED") {
    return new Event("SETTLEMENT_COMPLETE", {
      tradeId,
      symbol,
      buyerId,
      sellerId,
      quantity,
      priceTicks,
      attempts,
      feeTicks: reply.feeTicks,
    });
  }
  return new Event("SETTLEMENT_FAILED", {
    tradeId,
    symbol,
    buyerId,
    sellerId,
    quantity,
    priceTicks,
    attempts,
    reason: reply.reason,
    accountId: reply.accountId,
  });
}
