import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OrderBook } from "../../examples/trading-orderbook/engine/order-book.js";
import type { OrderPayload, Side, TradePayload } from "../../examples/trading-orderbook/events.js";

type Command =
  | { kind: "LIMIT"; side: Side; quantity: number; priceTicks: number }
  | { kind: "MARKET"; side: Side; quantity: number }
  | { kind: "CANCEL"; pick: number };

const side = fc.constantFrom<Side>("BUY", "SELL");
const quantity = fc.integer({ min: 1, max: 30 });
// A narrow band of prices, so orders cross often and levels hold several orders.
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("LIMIT" as const),
      side,
      quantity,
      priceTicks: fc.integer({ min: 95, max: 105 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("MARKET" as const), side, quantity }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("CANCEL" as const), pick: fc.nat() }) },
);
const commands = fc.array(command, { minLength: 1, maxLength: 120 });

/** What happened to each order over a whole run. */
interface Ledger {
  quantity: number;
  filled: number;
  cancelled: number;
}

/**
 * Runs the commands on a book, calling `check` after each, and returns every order's ledger and
 * every trade with the order it traded against.
 */
function run(
  cmds: readonly Command[],
  check: (
    book: OrderBook,
    trades: readonly TradePayload[],
    order: OrderPayload | undefined,
  ) => void,
) {
  const book = new OrderBook("T");
  const ledgers = new Map<string, Ledger>();
  const orders = new Map<string, OrderPayload>();
  const ids: string[] = [];
  cmds.forEach((cmd, i) => {
    if (cmd.kind === "CANCEL") {
      if (ids.length === 0) return;
      const id = ids[cmd.pick % ids.length] as string;
      const removed = book.cancel(id);
      if (removed !== undefined) (ledgers.get(id) as Ledger).cancelled += removed.remaining;
      check(book, [], undefined);
      return;
    }
    const order: OrderPayload = {
      orderId: `o${i}`,
      traderId: `t${i % 3}`,
      symbol: "T",
      side: cmd.side,
      type: cmd.kind,
      quantity: cmd.quantity,
      priceTicks: cmd.kind === "LIMIT" ? cmd.priceTicks : 0,
    };
    ids.push(order.orderId);
    orders.set(order.orderId, order);
    ledgers.set(order.orderId, { quantity: order.quantity, filled: 0, cancelled: 0 });
    const result = book.submit(order);
    for (const t of result.trades) {
      (ledgers.get(t.buyOrderId) as Ledger).filled += t.quantity;
      (ledgers.get(t.sellOrderId) as Ledger).filled += t.quantity;
    }
    (ledgers.get(order.orderId) as Ledger).cancelled += result.cancelled;
    expect(result.filled).toBe(result.trades.reduce((sum, t) => sum + t.quantity, 0));
    check(book, result.trades, order);
  });
  return { book, ledgers, orders };
}

describe("OrderBook properties", () => {
  it("is never crossed after matching: the best bid stays below the best ask", () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        run(cmds, (book) => {
          const bid = book.bestBid();
          const ask = book.bestAsk();
          if (bid !== undefined && ask !== undefined) expect(bid).toBeLessThan(ask);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("conserves quantity: every order's lots are filled, resting, or cancelled (market remainders included)", () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const { book, ledgers } = run(cmds, () => {});
        let restingTotal = 0;
        for (const [id, ledger] of ledgers) {
          const resting = book.get(id)?.remaining ?? 0;
          restingTotal += resting;
          expect(ledger.filled + resting + ledger.cancelled).toBe(ledger.quantity);
        }
        expect(book.restingQuantity()).toBe(restingTotal);
      }),
      { numRuns: 300 },
    );
  });

  it("executes every trade at the resting order's price, within the incoming order's limit", () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const placed = new Map<string, OrderPayload>();
        run(cmds, (_book, trades, order) => {
          if (order === undefined) return;
          for (const t of trades) {
            const passiveId = t.aggressor === "BUY" ? t.sellOrderId : t.buyOrderId;
            const passive = placed.get(passiveId) as OrderPayload;
            expect(passive.type).toBe("LIMIT");
            expect(t.priceTicks).toBe(passive.priceTicks);
            if (order.type === "LIMIT") {
              if (order.side === "BUY") expect(t.priceTicks).toBeLessThanOrEqual(order.priceTicks);
              else expect(t.priceTicks).toBeGreaterThanOrEqual(order.priceTicks);
            }
          }
          placed.set(order.orderId, order);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("fills FIFO at each price level: orders at one price trade in the order they arrived", () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        run(cmds, (book, trades) => {
          // Before this submission the book held queue(side) in priority order; the orders it
          // traded against must be a prefix of that queue, taken in order.
          for (const t of trades) {
            const passiveSide: Side = t.aggressor === "BUY" ? "SELL" : "BUY";
            const passiveId = passiveSide === "SELL" ? t.sellOrderId : t.buyOrderId;
            // Nothing older at this price may still be resting once a newer order has traded.
            const older = book
              .queue(passiveSide)
              .filter(
                (o) =>
                  o.priceTicks === t.priceTicks &&
                  Number(o.orderId.slice(1)) < Number(passiveId.slice(1)),
              );
            expect(older).toEqual([]);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it("makes exactly the trades a brute-force price-time priority model makes", () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const model: { id: string; seq: number; side: Side; price: number; remaining: number }[] =
          [];
        let seq = 0;
        run(cmds, (_book, trades, order) => {
          if (order === undefined) {
            // A cancel: drop from the model whatever the book no longer holds.
            for (let i = model.length - 1; i >= 0; i--) {
              const m = model[i] as (typeof model)[number];
              if (_book.get(m.id) === undefined) model.splice(i, 1);
            }
            return;
          }
          const expected: [string, number, number][] = [];
          let remaining = order.quantity;
          while (remaining > 0) {
            const candidates = model.filter(
              (m) =>
                m.side !== order.side &&
                (order.type === "MARKET" ||
                  (order.side === "BUY"
                    ? m.price <= order.priceTicks
                    : m.price >= order.priceTicks)),
            );
            if (candidates.length === 0) break;
            candidates.sort(
              (a, b) =>
                (order.side === "BUY" ? a.price - b.price : b.price - a.price) || a.seq - b.seq,
            );
            const best = candidates[0] as (typeof model)[number];
            const q = Math.min(remaining, best.remaining);
            expected.push([best.id, best.price, q]);
            best.remaining -= q;
            remaining -= q;
            if (best.remaining === 0) model.splice(model.indexOf(best), 1);
          }
          if (remaining > 0 && order.type === "LIMIT") {
            model.push({
              id: order.orderId,
              seq: seq++,
              side: order.side,
              price: order.priceTicks,
              remaining,
            });
          }
          const actual = trades.map((t): [string, number, number] => [
            order.side === "BUY" ? t.sellOrderId : t.buyOrderId,
            t.priceTicks,
            t.quantity,
          ]);
          expect(actual).toEqual(expected);
        });
      }),
      { numRuns: 300 },
    );
  });
});
