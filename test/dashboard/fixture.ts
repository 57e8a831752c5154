/**
 * Real data for the dashboard's tests, made by a real worker on a private redis-server: orders
 * flow through a 2-organ chain (ORDER_PLACED → PAYMENT_REQUESTED → ORDER_CONFIRMED), payments of
 * "flaky" orders fail while `payments.down` (so they are dead-lettered after their deliveries),
 * one entry is not an event at all (dead-lettered as invalid), and a second consumer group's
 * worker holds entries it never finishes (pending, its consumer going idle).
 */
import { Event, organ, Spine } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import type { PrivateRedis } from "../helpers/private-redis.js";
import { waitUntil } from "../helpers/wait.js";

export const STREAM = "shop";
export const DLQ = "shop:dlq";
/** Orders placed; those at FLAKY indexes fail while payments are down. */
export const ORDERS = 12;
export const FLAKY = [3, 7, 9] as const;
export const SCRIPT_PAYLOAD = "<script>alert('pwned')</script>";

/** Switch for the failing payment organ, and the attempts it saw per order. */
export const payments = { down: true, attempts: new Map<number, number[]>() };

export function shopOrgans() {
  return [
    organ(
      "checkout",
      ["ORDER_PLACED"],
      (
        event: Event<
          "ORDER_PLACED",
          { order: number; customer: { name: string }; flaky?: boolean }
        >,
        _ctx,
      ) => [
        new Event("PAYMENT_REQUESTED", {
          order: event.payload.order,
          flaky: event.payload.flaky === true,
        }),
      ],
    ),
    organ(
      "payments",
      ["PAYMENT_REQUESTED"],
      (event: Event<"PAYMENT_REQUESTED", { order: number; flaky: boolean }>, ctx) => {
        const seen = payments.attempts.get(event.payload.order) ?? [];
        payments.attempts.set(event.payload.order, [...seen, ctx.attempt]);
        if (event.payload.flaky && payments.down)
          throw new Error(`payment gateway down for order ${event.payload.order}`);
        return [new Event("ORDER_CONFIRMED", { order: event.payload.order })];
      },
    ),
  ];
}

/** A worker of group `necrostack` on the shop stream. */
export function startShopWorker(url: string) {
  const backend = new RedisBackend({
    redisUrl: url,
    streamKey: STREAM,
    maxRetries: 2,
    claimMinIdleMs: 200,
    claimIntervalMs: 50,
    logger: false,
  });
  const spine = new Spine({
    organs: shopOrgans(),
    backend,
    logger: false,
    handlerFailureMode: "nack",
    maxSteps: Number.POSITIVE_INFINITY,
    pollTimeoutMs: 100,
  });
  const run = spine.run();
  return {
    backend,
    async stop() {
      spine.stop();
      await run;
      await backend.close();
    },
  };
}

/** Fills the shop stream through a real worker run; resolves once every order is settled. */
export async function makeShopData(
  redis: PrivateRedis,
): Promise<{ stop: () => Promise<void>; release: () => void }> {
  const url = redis.server.url;
  const producer = new RedisBackend({ redisUrl: url, streamKey: STREAM, logger: false });
  for (let i = 0; i < ORDERS; i++) {
    const flaky = (FLAKY as readonly number[]).includes(i);
    await producer.enqueue(
      new Event("ORDER_PLACED", {
        order: i,
        customer: { name: i === 5 ? SCRIPT_PAYLOAD : `customer-${i}` },
        ...(flaky ? { flaky: true } : {}),
      }),
    );
  }
  await producer.close();
  // An entry that holds no event: a worker dead-letters it as invalid.
  await redis.redis.xadd(STREAM, "*", "event", '{"id":"not-a-uuid","payload":7}');

  const worker = startShopWorker(url);
  // Settled: every good order confirmed, the flaky ones and the invalid entry dead-lettered.
  await waitUntil(
    "the shop worker settling every order",
    async () =>
      (await redis.redis.xlen(DLQ)) === FLAKY.length + 1 &&
      (await confirmations(redis)) === ORDERS - FLAKY.length,
    20_000,
  );
  await worker.stop();

  // A second group whose worker holds entries and never finishes them: pending, then idle.
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slowBackend = new RedisBackend({
    redisUrl: url,
    streamKey: STREAM,
    consumerGroup: "audit",
    consumerName: "audit-stuck",
    batchSize: 4,
    claimMinIdleMs: 3_600_000,
    logger: false,
  });
  const slow = new Spine({
    organs: [
      organ("audit", ["ORDER_PLACED"], async () => {
        await gate;
        return [];
      }),
    ],
    backend: slowBackend,
    logger: false,
    concurrency: 4,
    maxSteps: Number.POSITIVE_INFINITY,
    pollTimeoutMs: 100,
  });
  const slowRun = slow.run();
  await waitUntil(
    "the audit worker holding 4 entries",
    async () => (await auditPending(redis)) >= 4,
  );
  return {
    release,
    async stop() {
      release();
      slow.stop();
      await slowRun;
      await slowBackend.close();
    },
  };
}

async function confirmations(redis: PrivateRedis): Promise<number> {
  const entries = (await redis.redis.xrange(STREAM, "-", "+")) as [string, string[]][];
  return entries.filter(([, fields]) => fields[1]?.includes('"ORDER_CONFIRMED"')).length;
}

async function auditPending(redis: PrivateRedis): Promise<number> {
  try {
    const summary = (await redis.redis.call("XPENDING", STREAM, "audit")) as [number];
    return Number(summary[0]);
  } catch {
    return 0;
  }
}

/** GET `path` from a dashboard's fetch handler, as JSON. */
export async function getJson<T = Record<string, unknown>>(
  fetch: (request: Request) => Promise<Response>,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; response: Response }> {
  const response = await fetch(new Request(`http://127.0.0.1:7777${path}`, { headers }));
  const text = await response.text();
  return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T, response };
}

/** POST JSON to a dashboard's fetch handler. */
export async function postJson<T = Record<string, unknown>>(
  fetch: (request: Request) => Promise<Response>,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(
    new Request(`http://127.0.0.1:7777${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, body: (await response.json()) as T };
}
