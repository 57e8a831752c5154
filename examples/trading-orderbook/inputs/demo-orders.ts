/**
 * The demo's script: a morning on a small exchange. Market makers quote AAPL, takers trade
 * against them (fills, a partial fill, a sweep through three levels), a maker cancels, bad
 * orders are rejected, a restricted account's trade fails settlement, two whales breach the
 * position limit, a market order finds an empty book, and an NVDA sweep makes enough trades for
 * the clearing house's outages and lost answers to show.
 */
import { Event } from "necrostack";
import type { CancelRequested, OrderSubmitted, OrderSubmittedPayload } from "../events.js";

type Step =
  | {
      readonly cancel: false;
      readonly trader: string;
      readonly side: string;
      readonly lots: number;
      readonly symbol: string;
      readonly price: number | "MKT";
    }
  | { readonly cancel: true; readonly trader: string; readonly orderId: string };

const order = (
  trader: string,
  side: string,
  lots: number,
  symbol: string,
  price: number | "MKT",
): Step => ({
  cancel: false,
  trader,
  side,
  lots,
  symbol,
  price,
});
const cancel = (trader: string, orderId: string): Step => ({ cancel: true, trader, orderId });

const SCRIPT: readonly Step[] = [
  order("mm_alpha", "BUY", 100, "AAPL", 149_50),
  order("mm_alpha", "BUY", 200, "AAPL", 149_00),
  order("mm_beta", "SELL", 100, "AAPL", 150_50),
  order("mm_beta", "SELL", 200, "AAPL", 151_00),
  order("carol", "BUY", 50, "AAPL", "MKT"),
  order("dave", "SELL", 75, "AAPL", "MKT"),
  order("erin", "BUY", 300, "AAPL", 150_75),
  order("frank", "SELL", 400, "AAPL", 149_25),
  cancel("mm_alpha", "O-2"),
  cancel("gina", "O-4"),
  order("", "BUY", 100, "AAPL", 150_00),
  order("gina", "BUY", 100, "XYZ", 100_00),
  order("gina", "BUY", -50, "AAPL", 150_00),
  order("restricted_fund", "BUY", 30, "GOOGL", 141_00),
  order("hank", "SELL", 30, "GOOGL", 141_00),
  order("ivan", "SELL", 20, "MSFT", "MKT"),
  order("whale_one", "BUY", 6_000, "TSLA", 250_00),
  order("whale_two", "SELL", 6_000, "TSLA", 249_90),
  ...Array.from({ length: 12 }, (_, i) => order("mm_gamma", "SELL", 10, "NVDA", 480_00 + i * 5)),
  order("jules", "BUY", 150, "NVDA", 481_00),
];

/** The demo's events: ORDER_SUBMITTED `O-1`, `O-2`, ... and the CANCEL_REQUESTEDs, in order. */
export function demoEvents(): (OrderSubmitted | CancelRequested)[] {
  let n = 0;
  return SCRIPT.map((step) => {
    if (step.cancel) {
      const request: CancelRequested = new Event("CANCEL_REQUESTED", {
        traderId: step.trader,
        orderId: step.orderId,
      });
      return request;
    }
    const payload: OrderSubmittedPayload = {
      orderId: `O-${++n}`,
      traderId: step.trader,
      symbol: step.symbol,
      side: step.side,
      type: step.price === "MKT" ? "MARKET" : "LIMIT",
      quantity: step.lots,
      priceTicks: step.price === "MKT" ? 0 : step.price,
    };
    const submitted: OrderSubmitted = new Event("ORDER_SUBMITTED", payload);
    return submitted;
  });
}
