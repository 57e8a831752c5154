/**
 * RiskManager: keeps every trader's net position per symbol from settled trades, and raises
 * RISK_ALERT when a position crosses the limit (once per crossing, not on every trade beyond
 * it) and when a trader's account fails settlement.
 *
 * Positions only move on SETTLEMENT_COMPLETE, each trade once: on an at-least-once backend a
 * redelivered settlement (same trade id) is recognised and ignored, so it cannot double a position.
 */
import { Event, Organ } from "necrostack";
import type {
  RiskAlert,
  RiskAlertPayload,
  SettlementComplete,
  SettlementFailed,
} from "../events.js";

type Input = SettlementComplete | SettlementFailed;

export class RiskManager extends Organ<Input> {
  readonly listensTo = ["SETTLEMENT_COMPLETE", "SETTLEMENT_FAILED"] as const;
  /** The largest net position, long or short, in lots per trader per symbol. */
  readonly positionLimit: number;
  /** Every alert raised, oldest first. */
  readonly alerts: RiskAlertPayload[] = [];
  readonly #positions = new Map<string, Map<string, number>>();
  /** Trade ids already applied; kept only on an at-least-once backend, which can redeliver. */
  readonly #seen: Set<string> | undefined;

  /**
   * @param positionLimit Lots per trader per symbol. @defaultValue 5_000
   * @param atLeastOnce Recognise redelivered settlements by trade id. @defaultValue false
   */
  constructor(positionLimit = 5_000, atLeastOnce = false) {
    super();
    this.#seen = atLeastOnce ? new Set() : undefined;
    if (!Number.isSafeInteger(positionLimit) || positionLimit < 1) {
      throw new RangeError(
        `Expected \`positionLimit\` to be a positive integer, got ${positionLimit}`,
      );
    }
    this.positionLimit = positionLimit;
  }

  handle(event: Input): RiskAlert[] | undefined {
    const trade = event.payload;
    if (this.#seen !== undefined) {
      if (this.#seen.has(trade.tradeId)) return undefined;
      this.#seen.add(trade.tradeId);
    }
    if (event.eventType === "SETTLEMENT_FAILED") {
      return [
        this.#alert(event.payload.accountId, trade.symbol, "SETTLEMENT_FAILED", trade.tradeId),
      ];
    }
    const alerts: RiskAlert[] = [];
    const { buyerId, sellerId, symbol, quantity, tradeId } = trade;
    if (this.#move(buyerId, symbol, quantity))
      alerts.push(this.#alert(buyerId, symbol, "POSITION_LIMIT", tradeId));
    if (this.#move(sellerId, symbol, -quantity))
      alerts.push(this.#alert(sellerId, symbol, "POSITION_LIMIT", tradeId));
    return alerts.length > 0 ? alerts : undefined;
  }

  /** Net position in lots (positive long, negative short). */
  position(traderId: string, symbol: string): number {
    return this.#positions.get(traderId)?.get(symbol) ?? 0;
  }

  /** Moves a position by `lots`; true when it has just crossed the limit. */
  #move(traderId: string, symbol: string, lots: number): boolean {
    let book = this.#positions.get(traderId);
    if (book === undefined) {
      book = new Map();
      this.#positions.set(traderId, book);
    }
    const before = book.get(symbol) ?? 0;
    const after = before + lots;
    book.set(symbol, after);
    return Math.abs(before) <= this.positionLimit && Math.abs(after) > this.positionLimit;
  }

  #alert(
    traderId: string,
    symbol: string,
    kind: RiskAlertPayload["kind"],
    tradeId: string,
  ): RiskAlert {
    const alert: RiskAlertPayload = {
      traderId,
      symbol,
      kind,
      position: this.position(traderId, symbol),
      limit: this.positionLimit,
      tradeId,
    };
    this.alerts.push(alert);
    return new Event("RISK_ALERT", alert);
  }
}
