/**
 * One price level of one side of a book: the orders resting at that price, oldest first. Time
 * priority is this queue's order; price priority is the order of the levels in the book.
 */
import type { Side } from "../events.js";

/** An order (or what is left of it) waiting in the book. */
export interface RestingOrder {
  readonly orderId: string;
  readonly traderId: string;
  readonly side: Side;
  readonly priceTicks: number;
  /** Lots it was submitted with. */
  readonly quantity: number;
  /** Lots not yet traded. */
  remaining: number;
}

/** A FIFO of resting orders at one price. Removing from the front is O(1). */
export class PriceLevel {
  readonly priceTicks: number;
  /** Lots resting at this price, summed over its orders. */
  quantity = 0;
  #orders: RestingOrder[] = [];
  #head = 0;

  constructor(priceTicks: number) {
    this.priceTicks = priceTicks;
  }

  get isEmpty(): boolean {
    return this.#head === this.#orders.length;
  }

  /** How many orders rest here. */
  get count(): number {
    return this.#orders.length - this.#head;
  }

  /** Joins the back of the queue. */
  push(order: RestingOrder): void {
    this.#orders.push(order);
    this.quantity += order.remaining;
  }

  /** The oldest order, which trades first. */
  peek(): RestingOrder | undefined {
    return this.#orders[this.#head];
  }

  /** Drops the oldest order once it is fully filled. */
  shift(): void {
    this.#orders[this.#head] = undefined as unknown as RestingOrder;
    this.#head++;
    // Reclaim the consumed prefix now and then rather than on every fill.
    if (this.#head >= 64 && this.#head * 2 >= this.#orders.length) {
      this.#orders = this.#orders.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Takes `order` out of the queue wherever it is (a cancel). */
  remove(order: RestingOrder): boolean {
    const index = this.#orders.indexOf(order, this.#head);
    if (index === -1) return false;
    this.#orders.splice(index, 1);
    this.quantity -= order.remaining;
    return true;
  }

  /** The resting orders, oldest first. */
  orders(): readonly RestingOrder[] {
    return this.#orders.slice(this.#head);
  }
}
