import { Event, InMemoryBackend, Spine } from "necrostack";
import { describe, expect, it } from "vitest";
import {
  ClearingHouse,
  ClearingHouseUnavailableError,
} from "../../examples/trading-orderbook/clearing-house.js";
import type {
  SettlementCompletePayload,
  TradePayload,
} from "../../examples/trading-orderbook/events.js";
import { parseCommand } from "../../examples/trading-orderbook/inputs/command-line.js";
import {
  parseCsvOrders,
  parseJsonOrders,
} from "../../examples/trading-orderbook/inputs/order-file.js";
import { Partitioner } from "../../examples/trading-orderbook/modes/redis.js";
import { MatchingEngine } from "../../examples/trading-orderbook/organs/matching-engine.js";
import { RiskManager } from "../../examples/trading-orderbook/organs/risk-manager.js";
import { ValidateOrder } from "../../examples/trading-orderbook/organs/validate-order.js";

const trade = (tradeId: string, extra: Partial<TradePayload> = {}): TradePayload => ({
  tradeId,
  symbol: "AAPL",
  priceTicks: 150_00,
  quantity: 100,
  buyOrderId: "b",
  sellOrderId: "s",
  buyerId: "alice",
  sellerId: "bob",
  aggressor: "BUY",
  restingRemaining: 0,
  ...extra,
});

const settled = (tradeId: string, quantity: number): SettlementCompletePayload => ({
  tradeId,
  symbol: "AAPL",
  buyerId: "alice",
  sellerId: "bob",
  quantity,
  priceTicks: 150_00,
  attempts: 1,
  feeTicks: 1,
});

describe("ValidateOrder", () => {
  it("names every broken rule of an order at once", () => {
    const reasons = new ValidateOrder().check({
      orderId: "o1",
      traderId: "",
      symbol: "XYZ",
      side: "HOLD",
      type: "LIMIT",
      quantity: 0,
    });
    expect(reasons).toEqual([
      'traderId: must be a non-empty string, got ""',
      'symbol: must be a listed symbol (AAPL, GOOGL, MSFT, AMZN, TSLA, NVDA, META), got "XYZ"',
      'side: must be "BUY" or "SELL", got "HOLD"',
      "quantity: must be a whole number of lots from 1 to 1000000, got 0",
      "priceTicks: a limit order needs a whole number of ticks from 1 to 100000000, got nothing",
    ]);
  });

  it("refuses a price on a market order", () => {
    const reasons = new ValidateOrder().check({
      orderId: "o1",
      traderId: "t",
      symbol: "AAPL",
      side: "BUY",
      type: "MARKET",
      quantity: 1,
      priceTicks: 100,
    });
    expect(reasons).toEqual(["priceTicks: a market order takes no price, got 100"]);
  });
});

describe("MatchingEngine", () => {
  const validated = (orderId: string, side: "BUY" | "SELL", quantity: number, priceTicks: number) =>
    new Event("ORDER_VALIDATED", {
      orderId,
      traderId: "t",
      symbol: "AAPL",
      side,
      type: "LIMIT" as const,
      quantity,
      priceTicks,
    });

  it("returns the first events again for a redelivered order instead of matching it twice", () => {
    const engine = new MatchingEngine({ replayWindow: 10 });
    engine.handle(validated("s1", "SELL", 10, 100_00));
    const buy = validated("b1", "BUY", 10, 100_00);
    const first = engine.handle(buy);
    const again = engine.handle(buy);
    expect(again).toBe(first);
    expect(first.map((e) => e.eventType)).toEqual(["TRADE_EXECUTED", "ORDER_FILLED"]);
  });

  it("forgets orders older than its replay window", () => {
    const engine = new MatchingEngine({ replayWindow: 1 });
    const first = validated("b1", "BUY", 10, 100_00);
    const out = engine.handle(first);
    engine.handle(validated("b2", "BUY", 10, 100_00));
    const again = engine.handle(first);
    expect(again).not.toBe(out);
    expect(again[0]?.payload.reasons).toEqual(["orderId: b1 is already resting in the AAPL book"]);
  });

  it("rejects a second order with the id of one still resting", () => {
    const engine = new MatchingEngine();
    engine.handle(validated("o1", "BUY", 10, 100_00));
    const [rejected] = engine.handle(validated("o1", "BUY", 5, 99_00));
    expect(rejected?.eventType).toBe("ORDER_REJECTED");
    expect(rejected?.payload.reasons).toEqual(["orderId: o1 is already resting in the AAPL book"]);
  });

  it("lets only the order's trader cancel it", () => {
    const engine = new MatchingEngine();
    engine.handle(validated("o1", "BUY", 10, 100_00));
    const [refused] = engine.handle(
      new Event("CANCEL_VALIDATED", { orderId: "o1", traderId: "mallory" }),
    );
    expect(refused?.payload.reason).toBe("order o1 belongs to another trader");
    const [done] = engine.handle(new Event("CANCEL_VALIDATED", { orderId: "o1", traderId: "t" }));
    expect(done?.eventType).toBe("ORDER_CANCELLED");
    expect(done?.payload).toMatchObject({ cancelled: 10, reason: "REQUESTED" });
  });

  it("sees a cancel sent after its order after that order, through the Spine", async () => {
    const seen: string[] = [];
    class Recording extends MatchingEngine {
      override handle(event: Parameters<MatchingEngine["handle"]>[0]) {
        seen.push(event.eventType);
        return super.handle(event);
      }
    }
    const engine = new Recording();
    const spine = new Spine({
      organs: [new ValidateOrder(), engine],
      backend: new InMemoryBackend(),
      logger: false,
      concurrency: 8,
    });
    const order = new Event("ORDER_SUBMITTED", {
      orderId: "o1",
      traderId: "t",
      symbol: "AAPL",
      side: "BUY",
      type: "LIMIT",
      quantity: 10,
      priceTicks: 100_00,
    });
    const cancel = new Event("CANCEL_REQUESTED", { orderId: "o1", traderId: "t" });
    await spine.run([order, cancel], { until: "idle" });
    expect(seen).toEqual(["ORDER_VALIDATED", "CANCEL_VALIDATED"]);
    expect(engine.exchange.book("AAPL").orderCount).toBe(0);
  });
});

describe("RiskManager", () => {
  it("alerts once when a position crosses the limit, not on every trade beyond it", () => {
    const risk = new RiskManager(150);
    expect(risk.handle(new Event("SETTLEMENT_COMPLETE", settled("t1", 100)))).toBeUndefined();
    const alerts = risk.handle(new Event("SETTLEMENT_COMPLETE", settled("t2", 100)));
    expect(alerts?.map((a) => a.payload)).toEqual([
      {
        traderId: "alice",
        symbol: "AAPL",
        kind: "POSITION_LIMIT",
        position: 200,
        limit: 150,
        tradeId: "t2",
      },
      {
        traderId: "bob",
        symbol: "AAPL",
        kind: "POSITION_LIMIT",
        position: -200,
        limit: 150,
        tradeId: "t2",
      },
    ]);
    expect(risk.handle(new Event("SETTLEMENT_COMPLETE", settled("t3", 100)))).toBeUndefined();
    expect(risk.position("alice", "AAPL")).toBe(300);
  });

  it("applies a redelivered settlement once on an at-least-once backend", () => {
    const risk = new RiskManager(1_000, true);
    const event = new Event("SETTLEMENT_COMPLETE", settled("t1", 100));
    risk.handle(event);
    risk.handle(event);
    expect(risk.position("alice", "AAPL")).toBe(100);
  });
});

describe("ClearingHouse", () => {
  it("gives a trade the same fate on every run with the same seed", () => {
    const fates = (seed: number) => {
      const house = new ClearingHouse({ latencyMs: [0, 0], hangRate: 0, outageRate: 0.5, seed });
      return Array.from({ length: 20 }, (_, i) => {
        try {
          return (house.settle(trade(`T-${i}`), 1) as { status: string }).status;
        } catch (error) {
          return error instanceof ClearingHouseUnavailableError ? "OUTAGE" : "OTHER";
        }
      });
    };
    expect(fates(7)).toEqual(fates(7));
    expect(fates(7)).not.toEqual(fates(8));
    expect(fates(7)).toContain("OUTAGE");
    expect(fates(7)).toContain("SETTLED");
  });

  it("answers synchronously without latency, and settles a trade once however often it is asked", () => {
    const house = new ClearingHouse({ latencyMs: [0, 0], hangRate: 0, outageRate: 0 });
    const first = house.settle(trade("T-1"), 1);
    // 1 basis point of 100 lots at $150.00, in ticks.
    expect(first).toEqual({ status: "SETTLED", feeTicks: 150 });
    expect(house.settle(trade("T-1"), 1)).toBe(first);
    expect(house.counts).toMatchObject({ calls: 2, settled: 1 });
  });

  it("remembers only the last idempotencyWindow trades", () => {
    const house = new ClearingHouse({
      latencyMs: [0, 0],
      hangRate: 0,
      outageRate: 0,
      idempotencyWindow: 2,
    });
    for (const id of ["T-1", "T-2", "T-3"]) house.settle(trade(id), 1);
    house.settle(trade("T-3"), 1);
    expect(house.counts.settled).toBe(3);
    // T-1 was forgotten: asked again, the clearing house decides again.
    house.settle(trade("T-1"), 1);
    expect(house.counts.settled).toBe(4);
  });

  it("declines a restricted account's trade, naming the account", () => {
    const house = new ClearingHouse({ latencyMs: [0, 0], hangRate: 0, outageRate: 0 });
    expect(house.settle(trade("T-1", { sellerId: "restricted_fund" }), 1)).toEqual({
      status: "DECLINED",
      accountId: "restricted_fund",
      reason: "account restricted_fund is restricted",
    });
  });
});

describe("parseCommand", () => {
  it("reads limit and market orders in any case", () => {
    expect(parseCommand("BUY 100 AAPL @ 150.50")).toEqual({
      kind: "order",
      side: "BUY",
      quantity: 100,
      symbol: "AAPL",
      type: "LIMIT",
      priceTicks: 150_50,
    });
    expect(parseCommand("sell 50 tsla mkt")).toMatchObject({
      side: "SELL",
      symbol: "TSLA",
      type: "MARKET",
      priceTicks: 0,
    });
    expect(parseCommand("buy 1 msft @380")).toMatchObject({ type: "LIMIT", priceTicks: 380_00 });
  });

  it("reads the other commands", () => {
    expect(parseCommand("cancel O-3")).toEqual({ kind: "cancel", orderId: "O-3" });
    expect(parseCommand("book aapl")).toEqual({ kind: "book", symbol: "AAPL" });
    expect(parseCommand("  ")).toEqual({ kind: "empty" });
    expect(parseCommand("quit")).toEqual({ kind: "quit" });
  });

  it("says what is wrong with a line it cannot read", () => {
    expect(parseCommand("BUY ten AAPL @ 1")).toEqual({
      kind: "invalid",
      error: 'lots must be a whole number, got "ten"',
    });
    expect(parseCommand("BUY 10 AAPL 150")).toMatchObject({
      error: expect.stringContaining('end an order with "@ <price>" or "MKT"'),
    });
    expect(parseCommand("cancel")).toMatchObject({
      error: "cancel takes one order id, such as: cancel O-3",
    });
  });
});

describe("order files", () => {
  it("reads snake_case CSV headers, quoted cells and empty market prices", () => {
    const { orders, problems } = parseCsvOrders(
      'order_id,trader_id,symbol,side,order_type,quantity,price\nA1,"desk, one",aapl,buy,market,5,\n',
    );
    expect(problems).toEqual([]);
    expect(orders).toEqual([
      {
        orderId: "A1",
        traderId: "desk, one",
        symbol: "AAPL",
        side: "BUY",
        type: "MARKET",
        quantity: 5,
        priceTicks: 0,
      },
    ]);
  });

  it("refuses a CSV file whose header lacks a column, naming it", () => {
    expect(() => parseCsvOrders("traderId,symbol,side,type,quantity\n")).toThrow(
      /the header row lacks price/,
    );
  });

  it("reports JSON rows by their position and keeps the good ones", () => {
    const { orders, problems } = parseJsonOrders(
      JSON.stringify({
        orders: [
          {
            traderId: "a",
            symbol: "AAPL",
            side: "BUY",
            type: "LIMIT",
            quantity: 1,
            price: 0.1 + 0.2,
          },
          null,
        ],
      }),
    );
    expect(orders).toEqual([]);
    expect(problems).toEqual([
      {
        row: 1,
        message:
          'price must be a dollar amount with at most 2 decimals, such as 150.50, got "0.30000000000000004"',
      },
      { row: 2, message: "expected an order object, got null" },
    ]);
  });
});

describe("Partitioner", () => {
  it("puts a symbol always on one partition, splits the listed symbols, and sends a cancel after its order", () => {
    const partitioner = new Partitioner(2);
    const submit = (orderId: string, symbol: string) =>
      new Event("ORDER_SUBMITTED", {
        orderId,
        traderId: "t",
        symbol,
        side: "BUY",
        type: "MARKET",
        quantity: 1,
      });
    const aapl = partitioner.of(submit("o1", "AAPL"));
    const googl = partitioner.of(submit("o2", "GOOGL"));
    expect(aapl).not.toBe(googl);
    expect(partitioner.of(submit("o3", "AAPL"))).toBe(aapl);
    expect(partitioner.of(new Event("CANCEL_REQUESTED", { orderId: "o2", traderId: "t" }))).toBe(
      googl,
    );
    expect(partitioner.of(new Event("CANCEL_REQUESTED", { orderId: "o1", traderId: "t" }))).toBe(
      aapl,
    );
  });
});
