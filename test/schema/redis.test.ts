/**
 * The catalog's failure modes on a real redis-server: an event pulled that fails its schema is
 * dead-lettered with its issues; an organ's invalid event is a handler failure (none enqueued,
 * dead-lettered after the retries under "nack"); a newer version is released with a delay and
 * dead-lettered once the retries are spent, naming the version the worker knows; an old version
 * is upcast on its way from the stream.
 */
import { expect, it } from "vitest";
import { z } from "zod";
import { defineEvents, Event, HEADER, organ, type SpineObserver } from "../../src/index.js";
import { readStream, startWorker, uniqueKey, waitUntil } from "../fault/support.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { later } from "./validators.js";

const order = z.object({ orderId: z.string(), total: z.number() });
const catalog = defineEvents({
  ORDER_PLACED: order,
  ORDER_CHECKED: later(order),
  ORDER_PAID: {
    schema: z.object({ orderId: z.string(), amount: z.number(), currency: z.string() }),
    version: 2,
    upcast: { 1: (v1) => ({ ...v1, currency: "EUR" }) },
  },
});

describeRedis("A catalog on Redis", () => {
  const fixture = usePrivateRedis();

  it.each(["ORDER_PLACED", "ORDER_CHECKED"])(
    "dead-letters a pulled %s that fails its (sync or async) schema, with every issue in the reason, unhandled",
    async (type) => {
      const streamKey = uniqueKey("schema-invalid");
      const seen: Event[] = [];
      const worker = startWorker(
        [organ("Record", [type], (event) => void seen.push(event))],
        { redisUrl: fixture.server.url, streamKey },
        { catalog },
      );
      try {
        const bad = new Event(type, { orderId: 1, total: "x" });
        const good = new Event(type, { orderId: "o-1", total: 1 });
        await worker.backend.enqueue(bad);
        await worker.backend.enqueue(good);
        await waitUntil("the valid event to be handled", () => seen.length === 1);
        await waitUntil(
          "one dead letter",
          async () => (await fixture.redis.xlen(`${streamKey}:dlq`)) === 1,
        );
        expect(seen[0]?.id).toBe(good.id);
        const [dead] = await readStream(fixture.redis, `${streamKey}:dlq`);
        expect(JSON.parse(dead?.fields.event ?? "{}").id).toBe(bad.id);
        expect(dead?.fields.reason).toContain(`${type} (${bad.id}) fails its schema (version 1)`);
        expect(dead?.fields.reason).toMatch(/payload\.orderId: .*; payload\.total: /);
      } finally {
        await worker.stop();
      }
    },
  );

  it("acks (under the default handler failure mode) an event whose organ emits an invalid event, enqueueing none of its events", async () => {
    const streamKey = uniqueKey("schema-emit");
    const worker = startWorker(
      [
        organ("Place", ["ORDER_PAID"], () => [
          new Event("ORDER_PLACED", { orderId: "ok", total: 1 }),
          new Event("ORDER_PLACED", { orderId: "o-1" }),
        ]),
      ],
      { redisUrl: fixture.server.url, streamKey },
      { catalog },
    );
    try {
      await worker.backend.enqueue(
        catalog.event("ORDER_PAID", { orderId: "o", amount: 1, currency: "EUR" }),
      );
      await waitUntil("the handler error", () => worker.spine.getStats().handlerErrors.Place === 1);
      await waitUntil("the event acked", async () => {
        const pending = (await fixture.redis.call("XPENDING", streamKey, "necrostack")) as [number];
        return Number(pending[0]) === 0;
      });
      const stream = await readStream(fixture.redis, streamKey);
      expect(stream.map((e) => JSON.parse(e.fields.event ?? "{}").event_type)).toEqual([
        "ORDER_PAID",
      ]);
    } finally {
      await worker.stop();
    }
  });

  it('dead-letters, under "nack", an event whose organ keeps emitting an invalid event, once its retries are spent', async () => {
    const streamKey = uniqueKey("schema-emit-nack");
    let calls = 0;
    const worker = startWorker(
      [
        organ("Place", ["ORDER_PAID"], () => {
          calls++;
          return new Event("ORDER_PLACED", { orderId: "o-1", total: "12" });
        }),
      ],
      { redisUrl: fixture.server.url, streamKey, maxRetries: 2, claimMinIdleMs: 100 },
      { catalog, handlerFailureMode: "nack" },
    );
    try {
      await worker.backend.enqueue(
        catalog.event("ORDER_PAID", { orderId: "o", amount: 1, currency: "EUR" }),
      );
      await waitUntil(
        "one dead letter",
        async () => (await fixture.redis.xlen(`${streamKey}:dlq`)) === 1,
      );
      expect(calls).toBe(2);
      const [dead] = await readStream(fixture.redis, `${streamKey}:dlq`);
      expect(dead?.fields.reason).toContain("Failed on all 2 deliveries");
      expect(dead?.fields.reason).toContain("Organ Place failed");
      expect(dead?.fields.reason).toContain("returned ORDER_PLACED whose payload fails its schema");
      expect(dead?.fields.reason).toContain("payload.total: ");
      expect(await fixture.redis.xlen(streamKey)).toBe(1);
    } finally {
      await worker.stop();
    }
  });

  it("releases an event of a newer version than the catalog knows with the delay, then dead-letters it naming the version it knows", async () => {
    const streamKey = uniqueKey("schema-newer");
    const released: { reason: string; delayMs: number; at: number }[] = [];
    const observer: SpineObserver = {
      released: (_event, reason, delayMs) => released.push({ reason, delayMs, at: Date.now() }),
    };
    let handled = 0;
    const worker = startWorker(
      [organ("Pay", ["ORDER_PAID"], () => void handled++)],
      { redisUrl: fixture.server.url, streamKey, maxRetries: 3 },
      { catalog, observers: [observer], validate: { newerVersionDelayMs: 150 } },
    );
    try {
      const v3 = new Event({
        eventType: "ORDER_PAID",
        payload: { orderId: "o-1", cents: 100 },
        headers: { [HEADER.SCHEMA_VERSION]: "3" },
      });
      await worker.backend.enqueue(v3);
      await waitUntil(
        "one dead letter",
        async () => (await fixture.redis.xlen(`${streamKey}:dlq`)) === 1,
      );
      expect(handled).toBe(0);
      expect(released).toHaveLength(3);
      for (const r of released) {
        expect(r.delayMs).toBe(150);
        expect(r.reason).toContain(
          "has schema-version 3; this worker's catalog knows ORDER_PAID up to version 2",
        );
      }
      // Each came back no sooner than the delay.
      expect((released[1]?.at ?? 0) - (released[0]?.at ?? 0)).toBeGreaterThanOrEqual(140);
      const [dead] = await readStream(fixture.redis, `${streamKey}:dlq`);
      expect(JSON.parse(dead?.fields.event ?? "{}").id).toBe(v3.id);
      expect(dead?.fields.reason).toContain("Failed on all 3 deliveries");
      expect(dead?.fields.reason).toContain("knows ORDER_PAID up to version 2");
    } finally {
      await worker.stop();
    }
  });

  it.each([
    [
      "whose upcaster throws",
      new Event("NOTE", { text: 1 }),
      "could not be upcast from version 1 to 2: payload: the upcaster threw: text must be a string",
    ],
    [
      "whose schema-version header is no version",
      new Event({
        eventType: "NOTE",
        payload: { note: "n" },
        headers: { [HEADER.SCHEMA_VERSION]: "two" },
      }),
      'has a schema-version that is not a version: headers.schema-version: must be a positive integer, got "two"',
    ],
    [
      "whose schema outputs what no payload can carry (a Date)",
      new Event("STAMPED", { at: "2026-11-28T00:00:00.000Z" }),
      "cannot carry the payload its schema or upcasters made",
    ],
  ])("dead-letters a pulled event %s, naming why", async (_what, event, reason) => {
    const streamKey = uniqueKey("schema-unreadable");
    const odd = defineEvents({
      NOTE: {
        schema: z.object({ note: z.string() }),
        version: 2,
        upcast: {
          1: (v1) => {
            if (typeof v1.text !== "string") throw new Error("text must be a string");
            return { note: v1.text };
          },
        },
      },
      STAMPED: z.object({ at: z.string().transform((at) => new Date(at)) }),
    });
    let handled = 0;
    const worker = startWorker(
      [organ("Read", ["NOTE", "STAMPED"], () => void handled++)],
      { redisUrl: fixture.server.url, streamKey },
      { catalog: odd },
    );
    try {
      await worker.backend.enqueue(event);
      await waitUntil(
        "one dead letter",
        async () => (await fixture.redis.xlen(`${streamKey}:dlq`)) === 1,
      );
      expect(handled).toBe(0);
      const [dead] = await readStream(fixture.redis, `${streamKey}:dlq`);
      expect(JSON.parse(dead?.fields.event ?? "{}").id).toBe(event.id);
      expect(dead?.fields.reason).toContain(`${event.eventType} (${event.id}) ${reason}`);
    } finally {
      await worker.stop();
    }
  });

  it("upcasts a version 1 event read from the stream before its organ sees it", async () => {
    const streamKey = uniqueKey("schema-upcast");
    const seen: Event[] = [];
    const worker = startWorker(
      [organ("Pay", ["ORDER_PAID"], (event) => void seen.push(event))],
      { redisUrl: fixture.server.url, streamKey },
      { catalog },
    );
    try {
      const v1 = new Event("ORDER_PAID", { orderId: "o-1", amount: 5 });
      await worker.backend.enqueue(v1);
      await waitUntil("the event to be handled", () => seen.length === 1);
      expect(seen[0]?.id).toBe(v1.id);
      expect(seen[0]?.payload).toEqual({ orderId: "o-1", amount: 5, currency: "EUR" });
      expect(seen[0]?.headers[HEADER.SCHEMA_VERSION]).toBe("2");
      await waitUntil("the event acked", async () => {
        const pending = (await fixture.redis.call("XPENDING", streamKey, "necrostack")) as [number];
        return Number(pending[0]) === 0;
      });
      expect(await fixture.redis.xlen(`${streamKey}:dlq`)).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});
