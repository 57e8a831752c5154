/**
 * The interactive mode: one command per line from stdin (a terminal or a pipe). Each order or
 * cancel runs through the whole pipeline, settlement included, before the next line is read, so
 * `book` and `stats` always show the effect of every line before them.
 */
import { createInterface } from "node:readline";
import { Event } from "necrostack";
import type { CliOptions } from "../cli-options.js";
import { USAGE } from "../cli-options.js";
import type { CancelRequested, OrderSubmitted } from "../events.js";
import { parseCommand } from "../inputs/command-line.js";
import { formatBook, formatSummary, tickerLine } from "../report.js";
import { createTradingSystem, type TradingSummary } from "../trading-system.js";

export async function runInteractive(
  cli: CliOptions,
  input: NodeJS.ReadableStream & { isTTY?: boolean },
  print: (line: string) => void,
): Promise<TradingSummary> {
  const system = createTradingSystem({
    latency: cli.latency,
    seed: cli.seed ?? 1,
    ...(cli.quiet || cli.json
      ? {}
      : {
          onEvent: (event: Event) => {
            const line = tickerLine(event);
            if (line !== undefined) print(`  ${line}`);
          },
        }),
  });
  const totals = { eventsProcessed: 0, eventsEmitted: 0 };
  const send = async (event: OrderSubmitted | CancelRequested): Promise<void> => {
    const stats = await system.spine.run(event, { until: "idle" });
    totals.eventsProcessed += stats.eventsProcessed;
    totals.eventsEmitted += stats.eventsEmitted;
  };
  if (!cli.json) {
    print(
      `Trading as ${cli.trader}. Orders: BUY 100 AAPL @ 150.50 | SELL 50 TSLA MKT. Also: cancel <id>, book <symbol>, stats, help, quit`,
    );
  }
  const lines = createInterface({ input, terminal: false });
  const prompt = (): void => {
    if (input.isTTY === true) process.stdout.write("> ");
  };
  let next = 0;
  prompt();
  for await (const line of lines) {
    const command = parseCommand(line);
    if (command.kind === "quit") break;
    switch (command.kind) {
      case "order": {
        const orderId = `O-${++next}`;
        await send(
          new Event("ORDER_SUBMITTED", {
            orderId,
            traderId: cli.trader,
            symbol: command.symbol,
            side: command.side,
            type: command.type,
            quantity: command.quantity,
            priceTicks: command.priceTicks,
          }),
        );
        break;
      }
      case "cancel":
        await send(
          new Event("CANCEL_REQUESTED", { orderId: command.orderId, traderId: cli.trader }),
        );
        break;
      case "book":
        print(formatBook(system.matching.exchange.book(command.symbol).depth(10)));
        break;
      case "stats":
        print(formatSummary(system.summary(totals)));
        break;
      case "help":
        print(USAGE);
        break;
      case "invalid":
        print(`error: ${command.error}`);
        break;
      case "empty":
        break;
    }
    prompt();
  }
  lines.close();
  const summary = system.summary(totals);
  print(cli.json ? JSON.stringify({ summary }) : `\n${formatSummary(summary)}`);
  return summary;
}
