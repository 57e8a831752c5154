/**
 * The world the dashboard's browser tests look at: a small shop running for real on a private
 * redis-server. A worker (a Spine on a RedisBackend, in this process) handles ORDER_PLACED →
 * ORDER_PAID → RECEIPT_SENT; a producer adds orders at a steady pace, so the dashboard has rates
 * to show. An order paid with a declined card fails while the card gateway is down and, with
 * `maxRetries: 1` and `handlerFailureMode: "nack"`, goes straight to the dead letters.
 */
import { Event, organ } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { startWorker, type Worker } from "../fault/support.js";

export const GROUP = "shop";

export interface OrderPayload {
  readonly orderId: string;
  readonly customer: { readonly id: string; readonly name: string };
  readonly card?: "declined";
  readonly note?: string;
}

export interface Shop {
  readonly streamKey: string;
  readonly worker: Worker;
  /** Order ids whose receipt was handled, in order (bounded by what a test adds). */
  readonly receipts: string[];
  /** While false, orders paid with a declined card fail. */
  gatewayUp: boolean;
  /** Adds one order now. */
  order(payload: OrderPayload): Promise<Event>;
  /** Adds `perTick` orders every 100 ms until the returned function is called. */
  traffic(perTick: number): () => Promise<void>;
  close(): Promise<void>;
}

export function startShop(redisUrl: string, streamKey: string): Shop {
  const receipts: string[] = [];
  const checkout = organ("Checkout", ["ORDER_PLACED"], (event) => {
    const order = event.payload as unknown as OrderPayload;
    if (order.card === "declined" && !shop.gatewayUp) throw new Error("card gateway declined");
    return new Event("ORDER_PAID", { orderId: order.orderId, customer: order.customer });
  });
  const receipt = organ("Receipts", ["ORDER_PAID"], (event) => {
    return new Event("RECEIPT_SENT", { orderId: event.payload.orderId as string });
  });
  const archive = organ("Archive", ["RECEIPT_SENT"], (event) => {
    receipts.push(event.payload.orderId as string);
  });
  const worker = startWorker(
    [checkout, receipt, archive],
    {
      redisUrl,
      streamKey,
      consumerGroup: GROUP,
      consumerName: "worker-1",
      maxRetries: 1,
      claimMinIdleMs: 1_000,
    },
    { handlerFailureMode: "nack", concurrency: 8 },
  );
  const producer = new RedisBackend({ redisUrl, streamKey, consumerGroup: GROUP, logger: false });
  let sequence = 0;
  const shop: Shop = {
    streamKey,
    worker,
    receipts,
    gatewayUp: true,
    async order(payload) {
      const event = new Event("ORDER_PLACED", { ...payload });
      await producer.enqueue(event);
      return event;
    },
    traffic(perTick) {
      let running = true;
      const loop = (async () => {
        while (running) {
          for (let i = 0; i < perTick; i++) {
            sequence += 1;
            await shop.order({
              orderId: `t-${sequence}`,
              customer: { id: `c-${sequence % 7}`, name: "Regular customer" },
            });
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      return async () => {
        running = false;
        await loop;
      };
    },
    async close() {
      await worker.stop();
      await producer.close();
    },
  };
  return shop;
}
