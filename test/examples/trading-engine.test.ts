import { describe, expect, it } from "vitest";
import { DuplicateOrderError, Exchange } from "../../examples/trading-orderbook/engine/exchange.js";
import { OrderBook } from "../../examples/trading-orderbook/engine/order-book.js";
import type { OrderPayload, Side } from "../../examples/trading-orderbook/events.js";
import { formatPrice, parsePrice } from "../../examples/trading-orderbook/money.js";

let seq = 0;
function limit(side: Side, quantity: number, priceTicks: number, traderId = "t"): OrderPayload {
  return {
    orderId: `o${++seq}`,
    traderId,
    symbol: "AAPL",
    side,
    type: "LIMIT",
    quantity,
    priceTicks,
  };
}
function market(side: Side, quantity: number, traderId = "t"): OrderPayload {
  return {
    orderId: `o${++seq}`,
    traderId,
    symbol: "AAPL",
    side,
    type: "MARKET",
    quantity,
    priceTicks: 0,
  };
}

describe("OrderBook", () => {
  it("rests a limit order that does not cross, and reports it queued", () => {
    const book = new OrderBook("AAPL");
    const result = book.submit(limit("BUY", 100, 149_50));
    expect(result).toEqual({
      trades: [],
      filled: 0,
      resting: 100,
      cancelled: 0,
      averagePriceTicks: 0,
    });
    expect(book.bestBid()).toBe(149_50);
    expect(book.bestAsk()).toBeUndefined();
  });

  it("fills an incoming order at the resting order's price, not its own limit", () => {
    const book = new OrderBook("AAPL");
    const ask = limit("SELL", 100, 150_00, "maker");
    book.submit(ask);
    const bid = limit("BUY", 40, 152_00, "taker");
    const result = book.submit(bid);
    expect(result.trades).toEqual([
      {
        tradeId: "AAPL-1",
        symbol: "AAPL",
        priceTicks: 150_00,
        quantity: 40,
        buyOrderId: bid.orderId,
        sellOrderId: ask.orderId,
        buyerId: "taker",
        sellerId: "maker",
        aggressor: "BUY",
        restingRemaining: 60,
      },
    ]);
    expect(result).toMatchObject({
      filled: 40,
      resting: 0,
      cancelled: 0,
      averagePriceTicks: 150_00,
    });
    expect(book.get(ask.orderId)?.remaining).toBe(60);
  });

  it("matches the best price first and, at one price, the oldest order first", () => {
    const book = new OrderBook("AAPL");
    const late = limit("SELL", 10, 150_00);
    const early = limit("SELL", 10, 150_00);
    const worse = limit("SELL", 10, 151_00);
    const better = limit("SELL", 10, 149_00);
    // Submission order: early before late at 150.00.
    book.submit(early);
    book.submit(late);
    book.submit(worse);
    book.submit(better);
    const result = book.submit(market("BUY", 35));
    expect(result.trades.map((t) => [t.sellOrderId, t.priceTicks, t.quantity])).toEqual([
      [better.orderId, 149_00, 10],
      [early.orderId, 150_00, 10],
      [late.orderId, 150_00, 10],
      [worse.orderId, 151_00, 5],
    ]);
    expect(result.averagePriceTicks).toBe(
      Math.floor((149_00 * 10 + 150_00 * 20 + 151_00 * 5) / 35),
    );
  });

  it("stops at the limit price and rests the remainder: a partial fill", () => {
    const book = new OrderBook("AAPL");
    book.submit(limit("SELL", 50, 150_00));
    book.submit(limit("SELL", 50, 151_00));
    const result = book.submit(limit("BUY", 80, 150_50));
    expect(result).toMatchObject({ filled: 50, resting: 30, cancelled: 0 });
    expect(book.bestBid()).toBe(150_50);
    expect(book.bestAsk()).toBe(151_00);
  });

  it("drops a market order's remainder once the other side runs out", () => {
    const book = new OrderBook("AAPL");
    book.submit(limit("BUY", 30, 149_00));
    const result = book.submit(market("SELL", 100));
    expect(result).toMatchObject({ filled: 30, resting: 0, cancelled: 70 });
    expect(book.bestBid()).toBeUndefined();
    expect(book.orderCount).toBe(0);
  });

  it("cancels a resting order with what it has left, and removes its empty level", () => {
    const book = new OrderBook("AAPL");
    const bid = limit("BUY", 100, 149_00);
    book.submit(bid);
    book.submit(market("SELL", 40));
    const cancelled = book.cancel(bid.orderId);
    expect(cancelled?.remaining).toBe(60);
    expect(book.bestBid()).toBeUndefined();
    expect(book.depth().bids).toEqual([]);
    expect(book.cancel(bid.orderId)).toBeUndefined();
  });

  it("keeps the rest of a level in time order when one order in the middle is cancelled", () => {
    const book = new OrderBook("AAPL");
    const a = limit("BUY", 10, 149_00);
    const b = limit("BUY", 10, 149_00);
    const c = limit("BUY", 10, 149_00);
    for (const o of [a, b, c]) book.submit(o);
    book.cancel(b.orderId);
    expect(book.queue("BUY").map((o) => o.orderId)).toEqual([a.orderId, c.orderId]);
    expect(book.depth()).toEqual({
      symbol: "AAPL",
      bids: [{ priceTicks: 149_00, quantity: 20, orders: 2 }],
      asks: [],
    });
  });

  it("shows depth best price first on both sides", () => {
    const book = new OrderBook("AAPL");
    for (const p of [148_00, 149_00, 147_00]) book.submit(limit("BUY", 1, p));
    for (const p of [152_00, 151_00, 153_00]) book.submit(limit("SELL", 1, p));
    const depth = book.depth(2);
    expect(depth.bids.map((l) => l.priceTicks)).toEqual([149_00, 148_00]);
    expect(depth.asks.map((l) => l.priceTicks)).toEqual([151_00, 152_00]);
  });
});

describe("Exchange", () => {
  it("keeps one book per symbol", () => {
    const exchange = new Exchange();
    exchange.submit({ ...limit("BUY", 10, 100_00), symbol: "AAPL" });
    const result = exchange.submit({ ...limit("SELL", 10, 100_00), symbol: "TSLA" });
    expect(result.filled).toBe(0);
    expect(exchange.symbols()).toEqual(["AAPL", "TSLA"]);
    expect(exchange.restingQuantity()).toBe(20);
  });

  it("refuses an order id that is already resting", () => {
    const exchange = new Exchange();
    const order = limit("BUY", 10, 100_00);
    exchange.submit(order);
    expect(() => exchange.submit(order)).toThrow(DuplicateOrderError);
    expect(() => exchange.submit(order)).toThrow(/already resting/);
  });

  it("cancels an order in whichever book holds it", () => {
    const exchange = new Exchange();
    const order = { ...limit("SELL", 10, 100_00), symbol: "MSFT" };
    exchange.submit(order);
    expect(exchange.cancel(order.orderId)).toMatchObject({
      symbol: "MSFT",
      order: { remaining: 10 },
    });
    expect(exchange.cancel(order.orderId)).toBeUndefined();
  });
});

describe("money", () => {
  it("turns dollar text into integer ticks without floating point", () => {
    expect(parsePrice("150.50")).toBe(15050);
    expect(parsePrice("150.5")).toBe(15050);
    expect(parsePrice("150")).toBe(15000);
    expect(parsePrice("0.29")).toBe(29);
    expect(parsePrice(" 1.07 ")).toBe(107);
  });

  it("refuses amounts with more than 2 decimals, signs, exponents or nothing, naming the input", () => {
    for (const text of ["150.505", "-1", "1e3", "", "abc", "1.2.3"]) {
      expect(parsePrice(text)).toMatch(/^price must be a dollar amount/);
    }
    expect(parsePrice("150.505")).toContain('"150.505"');
  });

  it("formats ticks as dollars", () => {
    expect(formatPrice(15050)).toBe("150.50");
    expect(formatPrice(7)).toBe("0.07");
    expect(formatPrice(-250)).toBe("-2.50");
  });
});
