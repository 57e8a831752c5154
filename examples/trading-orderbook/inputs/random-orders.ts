/**
 * Random but repeatable orders for the stress mode: 50 traders (two of them restricted) on every
 * listed symbol, limit prices within 1% of the reference price, one order in five at market.
 */
import { Event } from "necrostack";
import type { OrderSubmitted } from "../events.js";
import { LISTED_SYMBOLS } from "../symbols.js";

/** mulberry32: a tiny, fast, seedable generator; the same seed gives the same orders. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomOrders(count: number, seed = 42): OrderSubmitted[] {
  const random = seededRandom(seed);
  const symbols = Object.entries(LISTED_SYMBOLS);
  const traders = [
    ...Array.from({ length: 48 }, (_, i) => `trader_${i + 1}`),
    "restricted_fund",
    "restricted_desk",
  ];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const orders: OrderSubmitted[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const [symbol, reference] = pick(symbols);
    const market = random() < 0.2;
    // Within 1% of the reference: enough overlap between bids and asks that about half trade.
    const priceTicks = market ? 0 : reference + Math.round((random() * 2 - 1) * reference * 0.01);
    orders[i] = new Event("ORDER_SUBMITTED", {
      orderId: `S-${i + 1}`,
      traderId: pick(traders),
      symbol,
      side: random() < 0.5 ? "BUY" : "SELL",
      type: market ? "MARKET" : "LIMIT",
      quantity: 1 + Math.floor(random() * 500),
      priceTicks,
    });
  }
  return orders;
}
