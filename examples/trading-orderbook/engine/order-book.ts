/**
 * A limit order book for one symbol, with price-time priority: an incoming order trades against
 * the best opposite price first and, at one price, against the oldest order first. Every trade
 * executes at the resting order's price. Pure: no I/O, no clock, no randomness, so the same
 * orders always give the same trades.
 */
import type { OrderPayload as Order, Side, TradePayload as Trade } from "../events.js";
import { PriceLevel, type RestingOrder } from "./price-level.js";

/** What submitting one order did. */
export interface MatchResult {
  /** The trades, in execution order. */
  readonly trades: Trade[];
  /** Lots traded. */
  readonly filled: number;
  /** Lots left resting in the book (limit orders only). */
  readonly resting: number;
  /** Lots dropped: a market order's remainder once the opposite side ran out. */
  readonly cancelled: number;
  /** Volume-weighted average fill price in ticks, rounded down; 0 when nothing traded. */
  readonly averagePriceTicks: number;
}

/** One price level as `depth()` shows it. */
export interface LevelView {
  readonly priceTicks: number;
  readonly quantity: number;
  readonly orders: number;
}

/** Both sides of the book, best price first. */
export interface BookDepth {
  readonly symbol: string;
  readonly bids: readonly LevelView[];
  readonly asks: readonly LevelView[];
}

export class OrderBook {
  readonly symbol: string;
  /** Bid levels sorted by ascending price: the best (highest) bid is last. */
  readonly #bids: PriceLevel[] = [];
  /** Ask levels sorted by descending price: the best (lowest) ask is last. */
  readonly #asks: PriceLevel[] = [];
  readonly #resting = new Map<string, { order: RestingOrder; level: PriceLevel }>();
  #tradeSeq = 0;

  constructor(symbol: string) {
    this.symbol = symbol;
  }

  /**
   * Matches `order` against the opposite side, then rests what is left of a limit order or drops
   * what is left of a market order. The caller has validated it (side, type, positive integers)
   * and made sure its id is not already resting here.
   */
  submit(order: Order): MatchResult {
    const opposite = order.side === "BUY" ? this.#asks : this.#bids;
    const trades: Trade[] = [];
    let remaining = order.quantity;
    let notional = 0;
    while (remaining > 0 && opposite.length > 0) {
      const level = opposite[opposite.length - 1] as PriceLevel;
      if (order.type === "LIMIT" && !crosses(order.side, order.priceTicks, level.priceTicks)) break;
      while (remaining > 0 && !level.isEmpty) {
        const passive = level.peek() as RestingOrder;
        const quantity = Math.min(remaining, passive.remaining);
        passive.remaining -= quantity;
        level.quantity -= quantity;
        remaining -= quantity;
        notional += quantity * level.priceTicks;
        trades.push(this.#trade(order, passive, quantity));
        if (passive.remaining === 0) {
          level.shift();
          this.#resting.delete(passive.orderId);
        }
      }
      if (level.isEmpty) opposite.pop();
    }
    const filled = order.quantity - remaining;
    let resting = 0;
    let cancelled = 0;
    if (remaining > 0 && order.type === "LIMIT") {
      this.#rest(order, remaining);
      resting = remaining;
    } else {
      cancelled = remaining;
    }
    const averagePriceTicks = filled === 0 ? 0 : Math.floor(notional / filled);
    return { trades, filled, resting, cancelled, averagePriceTicks };
  }

  /** Removes a resting order and returns it (with the lots it still had), or undefined. */
  cancel(orderId: string): RestingOrder | undefined {
    const entry = this.#resting.get(orderId);
    if (entry === undefined) return undefined;
    const { order, level } = entry;
    level.remove(order);
    this.#resting.delete(orderId);
    if (level.isEmpty) {
      const levels = order.side === "BUY" ? this.#bids : this.#asks;
      levels.splice(levels.indexOf(level), 1);
    }
    return order;
  }

  /** The resting order with this id, if it is in the book. */
  get(orderId: string): Readonly<RestingOrder> | undefined {
    return this.#resting.get(orderId)?.order;
  }

  /** The highest bid in ticks, if any. */
  bestBid(): number | undefined {
    return this.#bids.at(-1)?.priceTicks;
  }

  /** The lowest ask in ticks, if any. */
  bestAsk(): number | undefined {
    return this.#asks.at(-1)?.priceTicks;
  }

  /** How many orders rest in the book. */
  get orderCount(): number {
    return this.#resting.size;
  }

  /** Lots resting on both sides. */
  restingQuantity(): number {
    let total = 0;
    for (const level of this.#bids) total += level.quantity;
    for (const level of this.#asks) total += level.quantity;
    return total;
  }

  /** Up to `maxLevels` levels per side, best price first. */
  depth(maxLevels = Number.POSITIVE_INFINITY): BookDepth {
    return {
      symbol: this.symbol,
      bids: view(this.#bids, maxLevels),
      asks: view(this.#asks, maxLevels),
    };
  }

  /** The resting orders of one side, in priority order (best price, then oldest). */
  queue(side: Side): readonly Readonly<RestingOrder>[] {
    const levels = side === "BUY" ? this.#bids : this.#asks;
    const out: RestingOrder[] = [];
    for (let i = levels.length - 1; i >= 0; i--) out.push(...(levels[i] as PriceLevel).orders());
    return out;
  }

  #rest(order: Order, remaining: number): void {
    const levels = order.side === "BUY" ? this.#bids : this.#asks;
    const level = findOrAddLevel(levels, order.priceTicks, order.side);
    const resting: RestingOrder = {
      orderId: order.orderId,
      traderId: order.traderId,
      side: order.side,
      priceTicks: order.priceTicks,
      quantity: order.quantity,
      remaining,
    };
    level.push(resting);
    this.#resting.set(order.orderId, { order: resting, level });
  }

  #trade(incoming: Order, passive: RestingOrder, quantity: number): Trade {
    const buy = incoming.side === "BUY";
    return {
      tradeId: `${this.symbol}-${++this.#tradeSeq}`,
      symbol: this.symbol,
      priceTicks: passive.priceTicks,
      quantity,
      buyOrderId: buy ? incoming.orderId : passive.orderId,
      sellOrderId: buy ? passive.orderId : incoming.orderId,
      buyerId: buy ? incoming.traderId : passive.traderId,
      sellerId: buy ? passive.traderId : incoming.traderId,
      aggressor: incoming.side,
      restingRemaining: passive.remaining,
    };
  }
}

/** Whether an incoming limit order at `limit` may trade with a resting level at `level`. */
function crosses(side: Side, limit: number, level: number): boolean {
  return side === "BUY" ? level <= limit : level >= limit;
}

/**
 * The level at `price`, created in sorted position when missing. Levels are kept so the best
 * price is last: ascending for bids, descending for asks. Binary search, then one splice.
 */
function findOrAddLevel(levels: PriceLevel[], price: number, side: Side): PriceLevel {
  // Compare on a key that ascends along the array for both sides.
  const key = side === "BUY" ? price : -price;
  let lo = 0;
  let hi = levels.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const midPrice = (levels[mid] as PriceLevel).priceTicks;
    const midKey = side === "BUY" ? midPrice : -midPrice;
    if (midKey < key) lo = mid + 1;
    else hi = mid;
  }
  const found = levels[lo];
  if (found !== undefined && found.priceTicks === price) return found;
  const level = new PriceLevel(price);
  levels.splice(lo, 0, level);
  return level;
}

function view(levels: readonly PriceLevel[], maxLevels: number): LevelView[] {
  const out: LevelView[] = [];
  for (let i = levels.length - 1; i >= 0 && out.length < maxLevels; i--) {
    const level = levels[i] as PriceLevel;
    out.push({ priceTicks: level.priceTicks, quantity: level.quantity, orders: level.count });
  }
  return out;
}
