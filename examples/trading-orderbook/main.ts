/**
 * The trading order book example: `npm run example:trading -- [flags]` (see --help).
 *
 *   ORDER_SUBMITTED -> ValidateOrder -> ORDER_VALIDATED | ORDER_REJECTED
 *   ORDER_VALIDATED -> MatchingEngine -> TRADE_EXECUTED per match + ORDER_FILLED |
 *                      ORDER_PARTIAL_FILL | ORDER_QUEUED | ORDER_CANCELLED
 *   TRADE_EXECUTED  -> Settlement (async) -> SETTLEMENT_COMPLETE | SETTLEMENT_FAILED
 *   SETTLEMENT_*    -> RiskManager -> RISK_ALERT
 *   every event     -> AuditTrail
 *
 * Exits 0 when every order, lot and trade is accounted for, 1 when not, 2 on bad flags.
 */
import { type CliOptions, CliUsageError, parseCliOptions, USAGE } from "./cli-options.js";
import { demoEvents } from "./inputs/demo-orders.js";
import { loadOrderEvents } from "./inputs/order-file.js";
import { randomOrders } from "./inputs/random-orders.js";
import { accountedFor, runBatch } from "./modes/batch.js";
import { DEMO_CLEARING_HOUSE, DEMO_SEED } from "./modes/demo-settings.js";
import { runInteractive } from "./modes/interactive.js";
import { formatSkippedRows } from "./report.js";
import type { TradingSummary } from "./trading-system.js";

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(cli: CliOptions): Promise<TradingSummary> {
  if (cli.backend === "redis") {
    // Loaded only here: the in-memory modes never need ioredis.
    const { runRedis } = await import("./modes/redis.js");
    return runRedis(cli, print);
  }
  switch (cli.mode) {
    case "interactive":
      return runInteractive(cli, process.stdin, print);
    case "file": {
      const { events, problems } = await loadOrderEvents(cli.file as string);
      if (!cli.json)
        for (const line of formatSkippedRows(cli.file as string, problems)) print(line);
      const result = await runBatch(
        events,
        cli,
        { title: `Orders from ${cli.file}`, ticker: events.length <= 200, books: [], rates: false },
        print,
      );
      return result.summary;
    }
    case "stress": {
      const events = randomOrders(cli.orders, cli.seed ?? 1);
      const result = await runBatch(
        events,
        cli,
        { title: "Stress test", ticker: false, books: [], rates: true },
        print,
      );
      return result.summary;
    }
    case "demo": {
      const result = await runBatch(
        demoEvents(),
        { ...cli, seed: cli.seed ?? DEMO_SEED },
        {
          title: "Demo",
          ticker: true,
          books: ["AAPL", "NVDA"],
          clearingHouse: DEMO_CLEARING_HOUSE,
          rates: false,
        },
        print,
      );
      return result.summary;
    }
  }
}

try {
  const cli = parseCliOptions(process.argv.slice(2));
  if (cli.help) {
    print(USAGE);
  } else {
    const summary = await main(cli);
    if (!accountedFor(summary)) {
      process.stderr.write(
        "Accounting check failed: see the summary's unaccounted, repeated, balance and unresolved lines\n",
      );
      process.exitCode = 1;
    }
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof CliUsageError ? 2 : 1;
}
