/**
 * Orders from a file: JSON (an array, or `{ "orders": [...] }`) or CSV with a header row.
 *
 * Fields: `orderId` (optional: `O-<row>` when absent), `traderId`, `symbol`, `side`, `type`
 * (LIMIT or MARKET), `quantity` (whole lots) and `price` (dollars, at most 2 decimals; empty or 0
 * for a market order). CSV headers may also be snake_case (`trader_id`, `order_type`).
 *
 * A row this loader cannot turn into an order message at all (not an object, wrong number of
 * CSV columns, a quantity that is not a whole number, a price that is not a dollar amount) is
 * reported with its row and not submitted. Everything else is submitted, and the ValidateOrder
 * organ rejects what breaks a trading rule (unknown symbol, negative quantity, ...), so those
 * orders are accounted for in the audit like any other.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { Event, NecroStackError } from "necrostack";
import type { OrderSubmitted, OrderSubmittedPayload } from "../events.js";
import { parsePrice } from "../money.js";

/** A row that was skipped, and why. `row` is 1-based: the CSV line, or the JSON array index + 1. */
export interface RowProblem {
  readonly row: number;
  readonly message: string;
}

export interface LoadedOrders {
  readonly orders: OrderSubmittedPayload[];
  readonly problems: RowProblem[];
}

/** The file as a whole cannot be read as orders. */
export class OrderFileError extends NecroStackError {
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(`Cannot load orders from ${path}: ${message}`, "ERR_ORDER_FILE", options);
    this.path = path;
  }
}

export async function loadOrderFile(path: string): Promise<LoadedOrders> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new OrderFileError(path, (error as Error).message, { cause: error });
  }
  const ext = extname(path).toLowerCase();
  if (ext === ".json") return parseJsonOrders(text, path);
  if (ext === ".csv") return parseCsvOrders(text);
  throw new OrderFileError(path, `unsupported extension ${JSON.stringify(ext)}: use .json or .csv`);
}

/** The file's orders as ORDER_SUBMITTED events, in file order, and the rows that were skipped. */
export async function loadOrderEvents(
  path: string,
): Promise<{ events: OrderSubmitted[]; problems: RowProblem[] }> {
  const { orders, problems } = await loadOrderFile(path);
  return { events: orders.map((order) => new Event("ORDER_SUBMITTED", order)), problems };
}

export function parseJsonOrders(text: string, path = "<json>"): LoadedOrders {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new OrderFileError(path, `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const rows = Array.isArray(data) ? data : isObject(data) ? data.orders : undefined;
  if (!Array.isArray(rows)) {
    throw new OrderFileError(
      path,
      'expected an array of orders or an object with an "orders" array',
    );
  }
  const orders: OrderSubmittedPayload[] = [];
  const problems: RowProblem[] = [];
  rows.forEach((item: unknown, index) => {
    const row = index + 1;
    if (!isObject(item)) {
      problems.push({ row, message: `expected an order object, got ${JSON.stringify(item)}` });
      return;
    }
    const price = item.price;
    const order = toOrder(row, {
      orderId: item.orderId,
      traderId: item.traderId,
      symbol: item.symbol,
      side: item.side,
      type: item.type,
      quantity: typeof item.quantity === "number" ? String(item.quantity) : item.quantity,
      price: typeof price === "number" ? String(price) : price,
    });
    if (typeof order === "string") problems.push({ row, message: order });
    else orders.push(order);
  });
  return { orders, problems };
}

const CSV_FIELDS: Readonly<Record<string, string>> = {
  orderid: "orderId",
  traderid: "traderId",
  symbol: "symbol",
  side: "side",
  type: "type",
  ordertype: "type",
  quantity: "quantity",
  price: "price",
};

export function parseCsvOrders(text: string): LoadedOrders {
  const lines = text.split(/\r?\n/);
  const orders: OrderSubmittedPayload[] = [];
  const problems: RowProblem[] = [];
  let header: string[] | undefined;
  lines.forEach((line, index) => {
    const row = index + 1;
    if (line.trim() === "" || line.startsWith("#")) return;
    const cells = splitCsvLine(line);
    if (header === undefined) {
      header = cells.map(
        (cell) => CSV_FIELDS[cell.trim().toLowerCase().replaceAll("_", "")] ?? cell.trim(),
      );
      const missing = ["traderId", "symbol", "side", "type", "quantity", "price"].filter(
        (f) => !header?.includes(f),
      );
      if (missing.length > 0) {
        throw new OrderFileError(
          "<csv>",
          `the header row lacks ${missing.join(", ")} (got ${line.trim()})`,
        );
      }
      return;
    }
    if (cells.length !== header.length) {
      problems.push({ row, message: `expected ${header.length} columns, got ${cells.length}` });
      return;
    }
    const fields: Record<string, string> = {};
    header.forEach((name, i) => {
      fields[name] = (cells[i] as string).trim();
    });
    const order = toOrder(row, fields);
    if (typeof order === "string") problems.push({ row, message: order });
    else orders.push(order);
  });
  return { orders, problems };
}

/** Builds the ORDER_SUBMITTED payload, or says why the row is not an order message. */
function toOrder(row: number, fields: Record<string, unknown>): OrderSubmittedPayload | string {
  const { orderId, traderId, symbol, side, type, quantity, price } = fields;
  for (const [name, value] of Object.entries({ traderId, symbol, side, type })) {
    if (value !== undefined && typeof value !== "string") {
      return `${name} must be text, got ${JSON.stringify(value)}`;
    }
  }
  if (orderId !== undefined && orderId !== "" && typeof orderId !== "string") {
    return `orderId must be text, got ${JSON.stringify(orderId)}`;
  }
  if (typeof quantity !== "string" || !/^-?\d+$/.test(quantity.trim())) {
    return `quantity must be a whole number of lots, got ${JSON.stringify(quantity ?? null)}`;
  }
  const kind = typeof type === "string" ? type.trim().toUpperCase() : "";
  let priceTicks = 0;
  const priceText = typeof price === "string" ? price.trim() : price;
  const noPrice =
    priceText === undefined || priceText === null || priceText === "" || priceText === "0";
  if (!noPrice) {
    if (typeof priceText !== "string")
      return `price must be a dollar amount, got ${JSON.stringify(price)}`;
    const parsed = parsePrice(priceText);
    if (typeof parsed === "string") return parsed;
    priceTicks = parsed;
  }
  return {
    orderId: typeof orderId === "string" && orderId !== "" ? orderId : `O-${row}`,
    traderId: ((traderId as string | undefined) ?? "").trim(),
    symbol: ((symbol as string | undefined) ?? "").trim().toUpperCase(),
    side: ((side as string | undefined) ?? "").trim().toUpperCase(),
    type: kind,
    quantity: Number(quantity),
    priceTicks,
  };
}

/** Splits one CSV line; double-quoted cells may hold commas and `""` for a quote. */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
