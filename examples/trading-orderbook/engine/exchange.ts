/**
 * The exchange: one order book per symbol, created on the first order for it. Pure, like the
 * books: the MatchingEngine organ wraps it and turns its results into events.
 */
import { NecroStackError } from "necrostack";
import type { OrderPayload as Order } from "../events.js";
import { type MatchResult, OrderBook } from "./order-book.js";
import type { RestingOrder } from "./price-level.js";

/** An order id that is already resting in a book was submitted again. */
export class DuplicateOrderError extends NecroStackError {
  readonly orderId: string;

  constructor(orderId: string) {
    super(
      `Order ${orderId} is already resting in the book; give every order a unique orderId`,
      "ERR_DUPLICATE_ORDER",
    );
    this.orderId = orderId;
  }
}

export class Exchange {
  readonly #books = new Map<string, OrderBook>();

  /** Matches a validated order in its symbol's book. Throws DuplicateOrderError on a resting id. */
  submit(order: Order): MatchResult {
    const book = this.book(order.symbol);
    if (book.get(order.orderId) !== undefined) throw new DuplicateOrderError(order.orderId);
    return book.submit(order);
  }

  /** Removes a resting order from whichever book holds it; undefined when none does. */
  cancel(orderId: string): { symbol: string; order: RestingOrder } | undefined {
    for (const book of this.#books.values()) {
      const order = book.cancel(orderId);
      if (order !== undefined) return { symbol: book.symbol, order };
    }
    return undefined;
  }

  /** The book of `symbol`, created empty if it has none yet. */
  book(symbol: string): OrderBook {
    let book = this.#books.get(symbol);
    if (book === undefined) {
      book = new OrderBook(symbol);
      this.#books.set(symbol, book);
    }
    return book;
  }

  /** The symbols that have a book, in the order they first traded. */
  symbols(): string[] {
    return [...this.#books.keys()];
  }

  /** Lots resting across every book. */
  restingQuantity(): number {
    let total = 0;
    for (const book of this.#books.values()) total += book.restingQuantity();
    return total;
  }
}
