/**
 * MatchingEngine: the organ around the pure {@link Exchange}. A validated order becomes one
 * TRADE_EXECUTED per match plus exactly one outcome for the order: ORDER_FILLED,
 * ORDER_PARTIAL_FILL, ORDER_QUEUED, or ORDER_CANCELLED (a market order that found no liquidity).
 * A validated cancel becomes ORDER_CANCELLED or CANCEL_REJECTED.
 *
 * The book is state in this process, so it must see the orders of a symbol in the order they
 * were submitted, one at a time: run it in a single consumer per symbol (see the README).
 */
import { Event, Organ } from "necrostack";
import { Exchange } from "../engine/exchange.js";
import type { MatchResult } from "../engine/order-book.js";
import type {
  CancelValidated,
  OrderOutcomePayload,
  OrderPayload,
  OrderRejected,
  OrderValidated,
  TradeExecuted,
} from "../events.js";

type Input = OrderValidated | CancelValidated;

/** Options for {@link MatchingEngine}. */
export interface MatchingEngineOptions {
  /**
   * How many recent orders to remember, with the events they caused. When an at-least-once
   * backend redelivers one of them (its first commit failed), the engine returns the same events
   * instead of matching the order twice. 0 turns it off, which is right for the in-memory
   * backend: it never redelivers.
   * @defaultValue 0
   */
  replayWindow?: number;
}

export class MatchingEngine extends Organ<Input> {
  readonly listensTo = ["ORDER_VALIDATED", "CANCEL_VALIDATED"] as const;
  readonly exchange = new Exchange();
  readonly #replayWindow: number;
  /** Event id -> the events it caused, for the last `replayWindow` events. */
  readonly #recent = new Map<string, Event[]>();
  /** The remembered event ids in a ring, to forget the oldest in O(1). */
  readonly #ring: (string | undefined)[];
  #next = 0;

  constructor(options: MatchingEngineOptions = {}) {
    super();
    this.#replayWindow = options.replayWindow ?? 0;
    if (!Number.isSafeInteger(this.#replayWindow) || this.#replayWindow < 0) {
      throw new RangeError(
        `Expected \`replayWindow\` to be a non-negative integer, got ${this.#replayWindow}`,
      );
    }
    this.#ring = new Array(this.#replayWindow);
  }

  handle(event: Input): Event[] {
    if (this.#replayWindow > 0) {
      const replay = this.#recent.get(event.id);
      if (replay !== undefined) return replay;
    }
    const out = event.eventType === "ORDER_VALIDATED" ? this.#match(event) : this.#cancel(event);
    if (this.#replayWindow > 0) this.#remember(event.id, out);
    return out;
  }

  #match(event: OrderValidated): Event[] {
    const order = event.payload;
    const book = this.exchange.book(order.symbol);
    if (book.get(order.orderId) !== undefined) {
      const rejected: OrderRejected = new Event("ORDER_REJECTED", {
        orderId: order.orderId,
        traderId: order.traderId,
        reasons: [`orderId: ${order.orderId} is already resting in the ${order.symbol} book`],
      });
      return [rejected];
    }
    const result = book.submit(order);
    const out: Event[] = [];
    for (const trade of result.trades) {
      const executed: TradeExecuted = new Event("TRADE_EXECUTED", trade);
      out.push(executed);
    }
    out.push(outcome(order, result));
    return out;
  }

  #cancel(event: CancelValidated): Event[] {
    const { orderId, traderId } = event.payload;
    const owner = this.#restingOwner(orderId);
    if (owner === undefined) {
      return [
        new Event("CANCEL_REJECTED", {
          orderId,
          traderId,
          reason: `order ${orderId} is not resting in any book (unknown, filled or cancelled)`,
        }),
      ];
    }
    if (owner !== traderId) {
      return [
        new Event("CANCEL_REJECTED", {
          orderId,
          traderId,
          reason: `order ${orderId} belongs to another trader`,
        }),
      ];
    }
    const removed = this.exchange.cancel(orderId);
    if (removed === undefined) throw new Error(`order ${orderId} vanished while being cancelled`);
    const { symbol, order } = removed;
    const cancelled: OrderOutcomePayload = {
      orderId,
      traderId,
      symbol,
      side: order.side,
      type: "LIMIT",
      quantity: order.quantity,
      filled: order.quantity - order.remaining,
      resting: 0,
      cancelled: order.remaining,
      averagePriceTicks: 0,
    };
    return [new Event("ORDER_CANCELLED", { ...cancelled, reason: "REQUESTED" as const })];
  }

  #restingOwner(orderId: string): string | undefined {
    for (const symbol of this.exchange.symbols()) {
      const order = this.exchange.book(symbol).get(orderId);
      if (order !== undefined) return order.traderId;
    }
    return undefined;
  }

  #remember(eventId: string, events: Event[]): void {
    const oldest = this.#ring[this.#next];
    if (oldest !== undefined) this.#recent.delete(oldest);
    this.#ring[this.#next] = eventId;
    this.#next = (this.#next + 1) % this.#replayWindow;
    this.#recent.set(eventId, events);
  }
}

/** The one outcome event of an order's arrival. */
function outcome(order: OrderPayload, result: MatchResult): Event {
  const payload: OrderOutcomePayload = {
    orderId: order.orderId,
    traderId: order.traderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    quantity: order.quantity,
    filled: result.filled,
    resting: result.resting,
    cancelled: result.cancelled,
    averagePriceTicks: result.averagePriceTicks,
  };
  if (result.filled === order.quantity) return new Event("ORDER_FILLED", payload);
  if (result.filled > 0) return new Event("ORDER_PARTIAL_FILL", payload);
  if (result.resting > 0) return new Event("ORDER_QUEUED", payload);
  return new Event("ORDER_CANCELLED", { ...payload, reason: "NO_LIQUIDITY" as const });
}
