/**
 * The workload behind the dashboard's screenshot: an order pipeline with organs of different
 * speeds, some retries and some dead letters, so every panel has something true to show.
 *
 * ORDER_PLACED -> Payment (4-16 ms; order n % 40 == 0 always fails, n % 25 == 0 fails on its
 * first delivery) -> ORDER_PAID -> Shipping (1-4 ms) -> ORDER_SHIPPED -> Notify (< 1 ms).
 */
import { Event, type HandlerContext, Organ } from "../../src/index.js";

type Placed = Event<"ORDER_PLACED", { n: number }>;
type Paid = Event<"ORDER_PAID", { n: number }>;
type Shipped = Event<"ORDER_SHIPPED", { n: number }>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Payment extends Organ<Placed> {
  readonly listensTo = ["ORDER_PLACED"] as const;

  async handle(event: Placed, ctx?: HandlerContext): Promise<Paid> {
    const { n } = event.payload;
    await sleep(4 + Math.random() * 12);
    if (n % 40 === 0) throw new Error(`card declined for order ${n}`);
    if (n % 25 === 0 && ctx?.attempt === 1)
      throw new Error(`payment gateway timeout for order ${n}`);
    return new Event("ORDER_PAID", { n });
  }
}

class Shipping extends Organ<Paid> {
  readonly listensTo = ["ORDER_PAID"] as const;

  async handle(event: Paid): Promise<Shipped> {
    await sleep(1 + Math.random() * 3);
    return new Event("ORDER_SHIPPED", { n: event.payload.n });
  }
}

class Notify extends Organ<Shipped> {
  readonly listensTo = ["ORDER_SHIPPED"] as const;

  handle(_event: Shipped): void {}
}

export default [new Payment(), new Shipping(), new Notify()];
