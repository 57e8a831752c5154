/**
 * The interactive mode's command language:
 *
 *   BUY 100 AAPL @ 150.50    limit order: side, lots, symbol, "@", price in dollars
 *   SELL 50 TSLA MKT         market order
 *   cancel O-3               cancel a resting order of yours
 *   book AAPL                print the book
 *   stats | help | quit
 *
 * The parser checks syntax only (a price with at most 2 decimals, a whole number of lots); the
 * ValidateOrder organ judges the order itself, so a rejected order shows up in the audit.
 */
import { parsePrice } from "../money.js";

export type Command =
  | {
      readonly kind: "order";
      readonly side: string;
      readonly quantity: number;
      readonly symbol: string;
      readonly type: "LIMIT" | "MARKET";
      readonly priceTicks: number;
    }
  | { readonly kind: "cancel"; readonly orderId: string }
  | { readonly kind: "book"; readonly symbol: string }
  | { readonly kind: "stats" }
  | { readonly kind: "help" }
  | { readonly kind: "quit" }
  | { readonly kind: "empty" }
  | { readonly kind: "invalid"; readonly error: string };

const USAGE =
  'expected "BUY 100 AAPL @ 150.50", "SELL 50 TSLA MKT", "cancel <order id>", "book <symbol>", "stats", "help" or "quit"';

export function parseCommand(line: string): Command {
  const words = line
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
  const [first, ...rest] = words;
  if (first === undefined || first.startsWith("#")) return { kind: "empty" };
  switch (first.toLowerCase()) {
    case "buy":
    case "sell":
      return parseOrder(first.toUpperCase(), rest);
    case "cancel":
      return rest.length === 1
        ? { kind: "cancel", orderId: rest[0] as string }
        : invalid("cancel takes one order id, such as: cancel O-3");
    case "book":
      return rest.length === 1
        ? { kind: "book", symbol: (rest[0] as string).toUpperCase() }
        : invalid("book takes one symbol, such as: book AAPL");
    case "stats":
      return { kind: "stats" };
    case "help":
      return { kind: "help" };
    case "quit":
    case "exit":
      return { kind: "quit" };
    default:
      return invalid(`unknown command ${JSON.stringify(first)}: ${USAGE}`);
  }
}

function parseOrder(side: string, words: readonly string[]): Command {
  const [lots, symbol, ...price] = words;
  if (lots === undefined || symbol === undefined) {
    return invalid(`an order needs lots and a symbol, such as: ${side} 100 AAPL @ 150.50`);
  }
  if (!/^-?\d+$/.test(lots))
    return invalid(`lots must be a whole number, got ${JSON.stringify(lots)}`);
  const quantity = Number(lots);
  const upper = symbol.toUpperCase();
  // "@ 150.50" and "@150.50" both name a limit price.
  const priceText = price.join(" ").replace(/^@\s*/, "");
  if (price.length === 1 && /^(MKT|MARKET)$/i.test(price[0] as string)) {
    return { kind: "order", side, quantity, symbol: upper, type: "MARKET", priceTicks: 0 };
  }
  if (price.length === 0 || !(price[0] as string).startsWith("@") || priceText === "") {
    return invalid(
      `end an order with "@ <price>" or "MKT", such as: ${side} ${lots} ${upper} @ 150.50`,
    );
  }
  const ticks = parsePrice(priceText);
  if (typeof ticks === "string") return invalid(ticks);
  return { kind: "order", side, quantity, symbol: upper, type: "LIMIT", priceTicks: ticks };
}

function invalid(error: string): Command {
  return { kind: "invalid", error };
}
