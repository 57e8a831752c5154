/**
 * Dead letters put back through the API: moved atomically (the event back on the stream with a
 * requeued-from header and its attempt reset, the dead letter gone, in one step), handled by a
 * real worker afterwards, and never twice when two operators requeue the same one at once.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDashboard, type Dashboard } from "../../src/dashboard.js";
import { RedisInspector } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";
import {
  DLQ,
  FLAKY,
  getJson,
  makeShopData,
  payments,
  postJson,
  STREAM,
  startShopWorker,
} from "./fixture.js";

interface DeadLetters {
  items: {
    entryId: string;
    event: {
      id: string;
      eventType: string;
      payload: { order?: number };
      headers: Record<string, string>;
    } | null;
    reasonKind: string;
  }[];
}

describeRedis("Dashboard dead-letter requeue and delete", () => {
  const redis = usePrivateRedis();
  let data: Awaited<ReturnType<typeof makeShopData>>;
  let dashboard: Dashboard;
  let csrf: string;
  const write = (action: string, entryIds: string[]) =>
    postJson<Record<string, unknown>>(
      dashboard.fetch,
      `/api/streams/${STREAM}/dead-letters/${action}`,
      { entryIds },
      {
        "x-csrf-token": csrf,
      },
    );

  beforeAll(async () => {
    payments.down = true;
    data = await makeShopData(redis);
    await data.stop();
    dashboard = createDashboard({
      inspector: new RedisInspector({ redisUrl: redis.server.url }),
      allowWrites: true,
    });
    csrf = (await getJson<{ csrfToken: string }>(dashboard.fetch, "/api/session")).body.csrfToken;
  }, 60_000);
  afterAll(async () => {
    await dashboard?.close();
  });

  it("moves a dead letter back in one step: the event re-added with requeued-from and no attempt, the dead letter gone", async () => {
    const before = await getJson<DeadLetters>(
      dashboard.fetch,
      `/api/streams/${STREAM}/dead-letters`,
    );
    const item = before.body.items.find((i) => i.event?.eventType === "PAYMENT_REQUESTED");
    if (item?.event == null) throw new Error("expected a dead-lettered payment");
    const lengthBefore = await redis.redis.xlen(STREAM);

    const { status, body } = await write("requeue", [item.entryId]);
    expect(status).toBe(200);
    const requeued = body.requeued as { entryId: string; eventId: string; newEntryId: string }[];
    expect(requeued).toEqual([
      { entryId: item.entryId, eventId: item.event.id, newEntryId: expect.any(String) },
    ]);
    expect(body.missing).toEqual([]);

    expect(await redis.redis.xrange(DLQ, item.entryId, item.entryId)).toEqual([]);
    expect(await redis.redis.xlen(STREAM)).toBe(lengthBefore + 1);
    const [added] = (await redis.redis.xrange(STREAM, requeued[0]?.newEntryId as string, "+")) as [
      string,
      string[],
    ][];
    const fields = Object.fromEntries([0, 2].map((i) => [added?.[1][i], added?.[1][i + 1]]));
    expect(JSON.parse(fields.event as string).id).toBe(item.event.id);
    const headers = JSON.parse(fields.headers as string) as Record<string, string>;
    expect(headers["requeued-from"]).toBe(item.entryId);
    expect(headers.attempt).toBeUndefined();
    // Lineage survives the trip, so the causation tree still links it.
    expect(headers["causation-id"]).toBe(item.event.headers["causation-id"]);
  });

  it("is handled by a worker on attempt 1 once requeued, and its chain goes on", async () => {
    payments.down = false;
    const dead = await getJson<DeadLetters>(dashboard.fetch, `/api/streams/${STREAM}/dead-letters`);
    const payment = dead.body.items.find((i) => i.event?.eventType === "PAYMENT_REQUESTED");
    if (payment?.event == null) throw new Error("expected a dead-lettered payment");
    const order = payment.event.payload.order as number;
    payments.attempts.delete(order);
    await write("requeue", [payment.entryId]);
    const worker = startShopWorker(redis.server.url);
    try {
      await waitUntil("the requeued payment handled", async () => {
        const page = await getJson<{
          events: { eventType: string; headers: Record<string, string> }[];
        }>(dashboard.fetch, `/api/streams/${STREAM}/events?type=ORDER_CONFIRMED&limit=200`);
        return page.body.events.some((e) => e.headers["causation-id"] === payment.event?.id);
      });
    } finally {
      await worker.stop();
    }
    // Each delivery of the requeued event is counted from 1 again.
    expect(payments.attempts.get(order)?.[0]).toBe(1);
  });

  it("requeues a dead letter once when two requests race for it", async () => {
    const dead = await getJson<DeadLetters>(dashboard.fetch, `/api/streams/${STREAM}/dead-letters`);
    const ids = dead.body.items.filter((i) => i.event !== null).map((i) => i.entryId);
    expect(ids.length).toBeGreaterThan(0);
    const lengthBefore = await redis.redis.xlen(STREAM);
    const [a, b] = await Promise.all([write("requeue", ids), write("requeue", ids)]);
    const moved = [...(a.body.requeued as unknown[]), ...(b.body.requeued as unknown[])];
    const missing = [...(a.body.missing as string[]), ...(b.body.missing as string[])];
    expect(moved.length).toBe(ids.length);
    expect(missing.sort()).toEqual([...ids].sort());
    expect(await redis.redis.xlen(STREAM)).toBe(lengthBefore + ids.length);
  });

  it("refuses to requeue a dead letter that holds no valid event, and leaves it in place", async () => {
    const dead = await getJson<DeadLetters>(dashboard.fetch, `/api/streams/${STREAM}/dead-letters`);
    const invalid = dead.body.items.find((i) => i.event === null);
    if (invalid === undefined) throw new Error("expected the invalid dead letter");
    const { body } = await write("requeue", [invalid.entryId]);
    expect(body.requeued).toEqual([]);
    expect(body.refused).toEqual([
      { entryId: invalid.entryId, reason: expect.stringMatching(/id|event_type/) },
    ]);
    expect((await redis.redis.xrange(DLQ, invalid.entryId, invalid.entryId)).length).toBe(1);
  });

  it("deletes dead letters, reporting the ids it did not find", async () => {
    const dead = await getJson<DeadLetters>(dashboard.fetch, `/api/streams/${STREAM}/dead-letters`);
    const ids = dead.body.items.map((i) => i.entryId);
    const { status, body } = await write("delete", [...ids, "1-1"]);
    expect(status).toBe(200);
    expect(body).toEqual({ deleted: ids, missing: ["1-1"] });
    expect(await redis.redis.xlen(DLQ)).toBe(0);
  });

  it("refuses more than 200 ids, and ids that are not entry ids, with 400", async () => {
    const many = Array.from({ length: 201 }, (_, i) => `${i + 1}-0`);
    expect((await write("requeue", many)).status).toBe(400);
    expect((await write("delete", ["0-0; FLUSHALL"])).status).toBe(400);
    expect(FLAKY.length).toBeGreaterThan(0);
  });
});
