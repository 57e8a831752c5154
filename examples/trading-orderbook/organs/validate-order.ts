/**
 * ValidateOrder: the gate in front of the book. Checks every field of a submitted order and
 * emits ORDER_VALIDATED with a clean, typed order, or ORDER_REJECTED naming every broken rule.
 * Cancel requests pass through here too (CANCEL_VALIDATED or CANCEL_REJECTED): orders and cancels
 * then take the same number of hops to the book, so a cancel sent after an order reaches the
 * book after it. Stateless, so seeing an event twice is harmless.
 */
import { Event, Organ } from "necrostack";
import type {
  CancelRejected,
  CancelRequested,
  CancelValidated,
  OrderPayload,
  OrderRejected,
  OrderSubmitted,
  OrderSubmittedPayload,
  OrderType,
  OrderValidated,
  Side,
} from "../events.js";
import { LISTED_SYMBOLS, MAX_PRICE_TICKS, MAX_QUANTITY } from "../symbols.js";

type Input = OrderSubmitted | CancelRequested;

export class ValidateOrder extends Organ<Input> {
  readonly listensTo = ["ORDER_SUBMITTED", "CANCEL_REQUESTED"] as const;
  readonly #symbols: ReadonlySet<string>;

  /** @param symbols The listed symbols. @defaultValue the keys of {@link LISTED_SYMBOLS} */
  constructor(symbols: Iterable<string> = Object.keys(LISTED_SYMBOLS)) {
    super();
    this.#symbols = new Set(symbols);
  }

  handle(event: Input): OrderValidated | OrderRejected | CancelValidated | CancelRejected {
    if (event.eventType === "CANCEL_REQUESTED") return validateCancel(event);
    const order = event.payload;
    const reasons = this.check(order);
    if (reasons.length > 0) {
      return new Event("ORDER_REJECTED", {
        orderId: typeof order.orderId === "string" ? order.orderId : String(order.orderId),
        traderId: typeof order.traderId === "string" ? order.traderId : "",
        reasons,
      });
    }
    // A payload that already has the validated shape is passed on as it is: it is frozen and
    // checked, so the new event costs no copy.
    if (order.priceTicks !== undefined && Object.keys(order).length === 7) {
      return new Event("ORDER_VALIDATED", order as Readonly<OrderPayload>);
    }
    const valid: OrderPayload = {
      orderId: order.orderId,
      traderId: order.traderId,
      symbol: order.symbol,
      side: order.side as Side,
      type: order.type as OrderType,
      quantity: order.quantity,
      priceTicks: order.type === "LIMIT" ? (order.priceTicks as number) : 0,
    };
    return new Event("ORDER_VALIDATED", valid);
  }

  /** Every broken rule of `order`, one line each; empty when it is valid. */
  check(order: Readonly<OrderSubmittedPayload>): string[] {
    const reasons: string[] = [];
    const { orderId, traderId, symbol, side, type, quantity, priceTicks } = order;
    if (typeof orderId !== "string" || orderId.trim() === "") {
      reasons.push(`orderId: must be a non-empty string, got ${show(orderId)}`);
    }
    if (typeof traderId !== "string" || traderId.trim() === "") {
      reasons.push(`traderId: must be a non-empty string, got ${show(traderId)}`);
    }
    if (typeof symbol !== "string" || !this.#symbols.has(symbol)) {
      reasons.push(
        `symbol: must be a listed symbol (${[...this.#symbols].join(", ")}), got ${show(symbol)}`,
      );
    }
    if (side !== "BUY" && side !== "SELL") {
      reasons.push(`side: must be "BUY" or "SELL", got ${show(side)}`);
    }
    if (type !== "LIMIT" && type !== "MARKET") {
      reasons.push(`type: must be "LIMIT" or "MARKET", got ${show(type)}`);
    }
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      reasons.push(
        `quantity: must be a whole number of lots from 1 to ${MAX_QUANTITY}, got ${show(quantity)}`,
      );
    }
    if (type === "LIMIT") {
      const ok = Number.isSafeInteger(priceTicks) && (priceTicks as number) >= 1;
      if (!ok || (priceTicks as number) > MAX_PRICE_TICKS) {
        reasons.push(
          `priceTicks: a limit order needs a whole number of ticks from 1 to ${MAX_PRICE_TICKS}, got ${show(priceTicks)}`,
        );
      }
    } else if (type === "MARKET" && priceTicks !== undefined && priceTicks !== 0) {
      reasons.push(`priceTicks: a market order takes no price, got ${show(priceTicks)}`);
    }
    return reasons;
  }
}

function validateCancel(event: CancelRequested): CancelValidated | CancelRejected {
  const { orderId, traderId } = event.payload;
  const problems: string[] = [];
  if (typeof orderId !== "string" || orderId.trim() === "")
    problems.push(`orderId: must be a non-empty string, got ${show(orderId)}`);
  if (typeof traderId !== "string" || traderId.trim() === "")
    problems.push(`traderId: must be a non-empty string, got ${show(traderId)}`);
  if (problems.length === 0) return new Event("CANCEL_VALIDATED", { orderId, traderId });
  return new Event("CANCEL_REJECTED", {
    orderId: String(orderId),
    traderId: String(traderId),
    reason: problems.join("; "),
  });
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}
