/**
 * The events of the order book, their payloads, and typed aliases for the organs.
 *
 * Prices are integer ticks (1 tick = $0.01) and quantities integer lots, so no amount ever passes
 * through a float. Each payload names the order or trade it is about, so an organ on an
 * at-least-once backend can recognise a redelivery by its business key.
 */
import type { Event } from "necrostack";

export type Side = "BUY" | "SELL";
export type OrderType = "LIMIT" | "MARKET";

/** A new order as a trader sent it, before validation: fields may be missing or wrong. */
export type OrderSubmittedPayload = {
  orderId: string;
  traderId: string;
  symbol: string;
  side: string;
  type: string;
  quantity: number;
  /** Limit price in ticks; `0` (or absent) for a market order. */
  priceTicks?: number;
};

/** An order that passed validation: every field is known good. */
export type OrderPayload = {
  orderId: string;
  traderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: number;
  /** Limit price in ticks; `0` for a market order. */
  priceTicks: number;
};

export type OrderRejectedPayload = {
  orderId: string;
  traderId: string;
  /** One line per broken rule, such as `"quantity: must be a positive integer, got -50"`. */
  reasons: string[];
};

/** The outcome of an order's arrival at the book: how much traded and where the rest went. */
export type OrderOutcomePayload = {
  orderId: string;
  traderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: number;
  /** Lots traded on arrival. */
  filled: number;
  /** Lots left resting in the book (limit orders only). */
  resting: number;
  /** Lots dropped: a market order's unfilled remainder, or what a cancel removed. */
  cancelled: number;
  /**
   * Volume-weighted average price of the fills on arrival, in ticks, rounded down; `0` when
   * nothing traded then (and on a requested cancel, which reports no prices).
   */
  averagePriceTicks: number;
};

export type CancelRequestedPayload = { orderId: string; traderId: string };

export type OrderCancelledPayload = OrderOutcomePayload & {
  /** `"REQUESTED"`: the trader cancelled it; `"NO_LIQUIDITY"`: a market order found no match. */
  reason: "REQUESTED" | "NO_LIQUIDITY";
};

export type CancelRejectedPayload = { orderId: string; traderId: string; reason: string };

export type TradePayload = {
  tradeId: string;
  symbol: string;
  /** Always the resting order's price. */
  priceTicks: number;
  quantity: number;
  buyOrderId: string;
  sellOrderId: string;
  buyerId: string;
  sellerId: string;
  /** The side of the incoming order that took liquidity. */
  aggressor: Side;
  /** Lots still resting on the passive order after this trade. */
  restingRemaining: number;
};

/** What a settlement confirms about a trade: its parties, size, price and the calls it took. */
export type SettlementPayload = {
  tradeId: string;
  symbol: string;
  buyerId: string;
  sellerId: string;
  quantity: number;
  priceTicks: number;
  /** How many calls to the clearing house it took. */
  attempts: number;
};

export type SettlementCompletePayload = SettlementPayload & {
  /** Clearing fee in ticks: 1 basis point of the notional, rounded up. */
  feeTicks: number;
};

export type SettlementFailedPayload = SettlementPayload & {
  reason: string;
  /** The account the clearing house declined. */
  accountId: string;
};

export type RiskAlertPayload = {
  traderId: string;
  symbol: string;
  kind: "POSITION_LIMIT" | "SETTLEMENT_FAILED";
  /** Net position in lots after the trade (positive long, negative short). */
  position: number;
  limit: number;
  tradeId: string;
};

export type OrderSubmitted = Event<"ORDER_SUBMITTED", OrderSubmittedPayload>;
export type OrderValidated = Event<"ORDER_VALIDATED", OrderPayload>;
export type OrderRejected = Event<"ORDER_REJECTED", OrderRejectedPayload>;
export type OrderFilled = Event<"ORDER_FILLED", OrderOutcomePayload>;
export type OrderPartialFill = Event<"ORDER_PARTIAL_FILL", OrderOutcomePayload>;
export type OrderQueued = Event<"ORDER_QUEUED", OrderOutcomePayload>;
export type CancelRequested = Event<"CANCEL_REQUESTED", CancelRequestedPayload>;
export type CancelValidated = Event<"CANCEL_VALIDATED", CancelRequestedPayload>;
export type OrderCancelled = Event<"ORDER_CANCELLED", OrderCancelledPayload>;
export type CancelRejected = Event<"CANCEL_REJECTED", CancelRejectedPayload>;
export type TradeExecuted = Event<"TRADE_EXECUTED", TradePayload>;
export type SettlementComplete = Event<"SETTLEMENT_COMPLETE", SettlementCompletePayload>;
export type SettlementFailed = Event<"SETTLEMENT_FAILED", SettlementFailedPayload>;
export type RiskAlert = Event<"RISK_ALERT", RiskAlertPayload>;

/** Every event type of the example, in pipeline order. */
export const EVENT_TYPES = [
  "ORDER_SUBMITTED",
  "ORDER_VALIDATED",
  "ORDER_REJECTED",
  "CANCEL_REQUESTED",
  "CANCEL_VALIDATED",
  "ORDER_FILLED",
  "ORDER_PARTIAL_FILL",
  "ORDER_QUEUED",
  "ORDER_CANCELLED",
  "CANCEL_REJECTED",
  "TRADE_EXECUTED",
  "SETTLEMENT_COMPLETE",
  "SETTLEMENT_FAILED",
  "RISK_ALERT",
] as const;

export type TradingEventType = (typeof EVENT_TYPES)[number];
