/**
 * What the example prints: one ticker line per event, an order book, and the run's summary.
 */
import type { Event } from "necrostack";
import type { BookDepth } from "./engine/order-book.js";
import type {
  CancelRejectedPayload,
  OrderOutcomePayload,
  OrderRejectedPayload,
  OrderSubmittedPayload,
  RiskAlertPayload,
  SettlementCompletePayload,
  SettlementFailedPayload,
  TradePayload,
} from "./events.js";
import type { RowProblem } from "./inputs/order-file.js";
import { formatPrice } from "./money.js";
import type { TradingSummary } from "./trading-system.js";

/** One line about an event for people, or undefined for events not worth a line. */
export function tickerLine(event: Event): string | undefined {
  const p = event.payload;
  const type = event.eventType.padEnd(19);
  switch (event.eventType) {
    case "ORDER_SUBMITTED": {
      const o = p as OrderSubmittedPayload;
      const price = o.type === "MARKET" ? "MKT" : `@ ${formatPrice(o.priceTicks ?? 0)}`;
      return `${type} ${o.orderId} ${o.traderId || "(no trader)"} ${o.side} ${o.quantity} ${o.symbol} ${price}`;
    }
    case "ORDER_REJECTED": {
      const r = p as OrderRejectedPayload;
      return `${type} ${r.orderId}: ${r.reasons.join("; ")}`;
    }
    case "ORDER_FILLED":
    case "ORDER_PARTIAL_FILL":
    case "ORDER_QUEUED":
    case "ORDER_CANCELLED": {
      const o = p as OrderOutcomePayload;
      const avg = o.averagePriceTicks > 0 ? ` avg ${formatPrice(o.averagePriceTicks)}` : "";
      return `${type} ${o.orderId} filled ${o.filled}/${o.quantity}${avg}, resting ${o.resting}, cancelled ${o.cancelled}`;
    }
    case "CANCEL_REJECTED": {
      const c = p as CancelRejectedPayload;
      return `${type} ${c.orderId} (${c.traderId}): ${c.reason}`;
    }
    case "TRADE_EXECUTED": {
      const t = p as TradePayload;
      return `${type} ${t.tradeId} ${t.quantity} ${t.symbol} @ ${formatPrice(t.priceTicks)} ${t.buyerId} <- ${t.sellerId}`;
    }
    case "SETTLEMENT_COMPLETE": {
      const s = p as SettlementCompletePayload;
      return `${type} ${s.tradeId} fee ${formatPrice(s.feeTicks)} after ${s.attempts} attempt(s)`;
    }
    case "SETTLEMENT_FAILED": {
      const s = p as SettlementFailedPayload;
      return `${type} ${s.tradeId}: ${s.reason}`;
    }
    case "RISK_ALERT": {
      const a = p as RiskAlertPayload;
      return `${type} ${a.kind} ${a.traderId} ${a.symbol} position ${a.position} (limit ${a.limit})`;
    }
    default:
      return undefined;
  }
}

/** The book as a ladder: asks above (best last), bids below (best first). */
export function formatBook(depth: BookDepth): string {
  const lines = [`${depth.symbol} order book`];
  const row = (side: string, l: BookDepth["bids"][number]): string =>
    `  ${side} ${formatPrice(l.priceTicks).padStart(10)}  ${String(l.quantity).padStart(7)} lots  (${l.orders} order${l.orders === 1 ? "" : "s"})`;
  if (depth.asks.length === 0) lines.push("  ASK  (none)");
  for (const level of [...depth.asks].reverse()) lines.push(row("ASK", level));
  lines.push("  ---");
  if (depth.bids.length === 0) lines.push("  BID  (none)");
  for (const level of depth.bids) lines.push(row("BID", level));
  return lines.join("\n");
}

/** The rows of an order file that were skipped, one line each; nothing when there are none. */
export function formatSkippedRows(path: string, problems: readonly RowProblem[]): string[] {
  if (problems.length === 0) return [];
  return [
    `Skipped ${problems.length} malformed row(s) of ${path}:`,
    ...problems.map((p) => `  row ${p.row}: ${p.message}`),
    "",
  ];
}

/** The summary as aligned lines. */
export function formatSummary(s: TradingSummary): string {
  const o = s.orders;
  const t = s.trades;
  const l = s.lots;
  const c = s.clearingHouse;
  return [
    "Summary",
    `  orders submitted     ${o.submitted}`,
    `    rejected           ${o.rejected}`,
    `    filled             ${o.filled}`,
    `    partially filled   ${o.partiallyFilled}`,
    `    queued             ${o.queued}`,
    `    unfilled market    ${o.unfilledMarket}`,
    `    unaccounted        ${o.unaccounted}`,
    `    repeated outcomes  ${o.repeated}`,
    `  cancels              ${s.cancels.cancelled} done, ${s.cancels.rejected} rejected`,
    `  lots accepted        ${l.accepted} = 2 x ${l.traded} traded + ${l.resting} resting + ${l.cancelled} cancelled (${l.balanced ? "balanced" : "NOT BALANCED"})`,
    `  trades executed      ${t.executed}`,
    `    settled            ${t.settled}`,
    `    settlement failed  ${t.settlementFailed}`,
    `    dead-lettered      ${t.deadLettered}`,
    `    unresolved         ${t.unresolved}`,
    `  clearing house       ${c.calls} calls, ${c.retries} retries, ${c.outages} outages, ${c.timeouts} timeouts`,
    `  risk alerts          ${s.riskAlerts}`,
    `  events               ${s.events.processed} processed, ${s.events.emitted} emitted`,
  ].join("\n");
}
