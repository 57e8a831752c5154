/**
 * Runs a list of events through a fresh trading system on the in-memory backend until idle, and
 * reports it: the demo, file and stress modes are this with different inputs.
 */
import type { Event } from "necrostack";
import type { ClearingHouseOptions } from "../clearing-house.js";
import type { CliOptions } from "../cli-options.js";
import { formatBook, formatSummary, tickerLine } from "../report.js";
import { createTradingSystem, type TradingSummary } from "../trading-system.js";

/**
 * Without simulated latency, events are fed in bursts of this many, each handled to idle before
 * the next, as orders reach an exchange: a stream of bursts, not one queue of the whole day. It
 * keeps each event's life short (handled soon after it is made), which keeps the garbage
 * collector's work small: 100,000 orders fed at once run about a quarter slower. With latency,
 * everything is fed at once instead: waiting for idle would let one lost answer stall the feed
 * for the whole settlement timeout. The book sees the same orders in the same order either way.
 */
const BURST = 1_000;

export interface BatchResult {
  readonly summary: TradingSummary;
  readonly orders: number;
  readonly seconds: number;
  readonly ordersPerSecond: number;
  readonly eventsPerSecond: number;
}

export interface BatchOptions {
  readonly title: string;
  /** Print a ticker line per event (small runs only). */
  readonly ticker: boolean;
  /** Print the books of these symbols at the end. */
  readonly books: readonly string[];
  readonly clearingHouse?: ClearingHouseOptions;
  /** Print orders/s and events/s. */
  readonly rates: boolean;
}

export async function runBatch(
  events: readonly Event[],
  cli: CliOptions,
  options: BatchOptions,
  print: (line: string) => void,
): Promise<BatchResult> {
  const text = !cli.json;
  const system = createTradingSystem({
    latency: cli.latency,
    seed: cli.seed ?? 1,
    ...(options.clearingHouse === undefined ? {} : { clearingHouse: options.clearingHouse }),
    ...(text && options.ticker && !cli.quiet
      ? {
          onEvent: (event: Event) => {
            const line = tickerLine(event);
            if (line !== undefined) print(`  ${line}`);
          },
        }
      : {}),
  });
  const orders = events.filter((e) => e.eventType === "ORDER_SUBMITTED").length;
  if (text)
    print(
      `${options.title}: ${orders} orders, in-memory backend, latency ${cli.latency ? "on" : "off"}\n`,
    );
  const started = process.hrtime.bigint();
  const stats = { eventsProcessed: 0, eventsEmitted: 0 };
  const burst = cli.latency ? events.length : BURST;
  for (let i = 0; i < events.length; i += burst) {
    const run = await system.spine.run(events.slice(i, i + burst), { until: "idle" });
    stats.eventsProcessed += run.eventsProcessed;
    stats.eventsEmitted += run.eventsEmitted;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = system.summary(stats);
  const result: BatchResult = {
    summary,
    orders,
    seconds,
    ordersPerSecond: orders / seconds,
    eventsPerSecond: stats.eventsProcessed / seconds,
  };
  if (!text) {
    print(JSON.stringify(result));
    return result;
  }
  const dead = system.spine.failedEvents();
  if (dead.length > 0) {
    print(`\nDead-letter store (${dead.length}):`);
    for (const entry of dead.slice(0, 10)) {
      const id = (entry.event.payload.tradeId as string | undefined) ?? entry.event.id;
      print(
        `  ${entry.event.eventType} ${id}: ${entry.error instanceof Error ? entry.error.message : String(entry.error)}`,
      );
    }
    if (dead.length > 10) print(`  ... and ${dead.length - 10} more`);
  }
  for (const symbol of options.books) {
    print(`\n${formatBook(system.matching.exchange.book(symbol).depth(5))}`);
  }
  print(`\n${formatSummary(summary)}`);
  if (options.rates) {
    print(
      `\n  ${Math.round(result.ordersPerSecond).toLocaleString("en-US")} orders/s, ${Math.round(result.eventsPerSecond).toLocaleString("en-US")} events/s over ${seconds.toFixed(3)} s`,
    );
  }
  return result;
}

/** Whether the summary proves every order, lot and trade was accounted for. */
export function accountedFor(summary: TradingSummary): boolean {
  return (
    summary.orders.unaccounted === 0 &&
    summary.orders.repeated === 0 &&
    summary.lots.balanced &&
    summary.trades.unresolved === 0
  );
}
