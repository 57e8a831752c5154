/**
 * Dedupe on a real Redis: a redelivery of an event that was not committed is handled, not
 * skipped as a duplicate, and the store of ids stays bounded on a worker that never stops.
 */
import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { pendingCount, readStream, startWorker, uniqueKey, waitUntil } from "../fault/support.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { deferred } from "./support/organs.js";

/** Ships an order; its first attempt fails (or waits for `firstAttempt`, then succeeds). */
class Shipper extends Organ {
  readonly listensTo = ["ORDER"];
  calls = 0;
  readonly #failFirst: boolean;
  readonly #firstAttempt: Promise<void> | undefined;

  constructor(options: { failFirst?: boolean; firstAttempt?: Promise<void> }) {
    super("Shipper");
    this.#failFirst = options.failFirst ?? false;
    this.#firstAttempt = options.firstAttempt;
  }

  async handle(event: Event): Promise<Event> {
    if (++this.calls === 1) {
      await this.#firstAttempt;
      if (this.#failFirst) throw new Error("warehouse API answered 503");
    }
    return new Event("SHIPPED", { order: event.id });
  }
}

/** How many entries of `type` the stream holds. */
async function entriesOfType(
  redis: Parameters<typeof readStream>[0],
  key: string,
  type: string,
): Promise<number> {
  const entries = await readStream(redis, key);
  return entries.filter((e) => JSON.parse(e.fields.event ?? "{}").event_type === type).length;
}

describeRedis("Spine dedupe on Redis", () => {
  const fixture = usePrivateRedis();
  const backendOptions = (streamKey: string) => ({
    redisUrl: fixture.server.url,
    streamKey,
    maxRetries: 3,
    claimMinIdleMs: 150,
    claimIntervalMs: 50,
  });

  it("handles an event again when its handler failed once under nack, and emits its result once", async () => {
    const streamKey = uniqueKey("dedupe-nack");
    const shipper = new Shipper({ failFirst: true });
    const worker = startWorker([shipper], backendOptions(streamKey), {
      dedupe: true,
      handlerFailureMode: "nack",
    });
    try {
      await worker.backend.enqueue(new Event("ORDER", { sku: "A-1" }));
      await waitUntil(
        "the order shipped",
        async () => (await entriesOfType(fixture.redis, streamKey, "SHIPPED")) === 1,
        5_000,
      );
      await waitUntil(
        "every entry acked",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
      );
      expect(shipper.calls).toBe(2);
      expect(await fixture.redis.xlen(`${streamKey}:dlq`)).toBe(0);
      expect(worker.spine.getStats().eventsDeduplicated).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it("handles an event again when its commit failed under enqueueFailureMode store", async () => {
    const streamKey = uniqueKey("dedupe-commit");
    const firstAttempt = deferred();
    const shipper = new Shipper({ firstAttempt: firstAttempt.promise });
    const worker = startWorker(
      [shipper],
      { ...backendOptions(streamKey), claimMinIdleMs: 400 },
      { dedupe: true, enqueueFailureMode: "store" },
    );
    try {
      await worker.backend.enqueue(new Event("ORDER", { sku: "B-2" }));
      await waitUntil("the first attempt under way", () => shipper.calls === 1);
      // Redis over its memory limit refuses the commit's XADD, and so the whole commit.
      await fixture.redis.config("SET", "maxmemory", "1");
      try {
        firstAttempt.resolve();
        await waitUntil("the failed commit", () => worker.spine.failedEvents().length === 1);
      } finally {
        await fixture.redis.config("SET", "maxmemory", "0");
      }
      await waitUntil(
        "the order shipped",
        async () => (await entriesOfType(fixture.redis, streamKey, "SHIPPED")) === 1,
        5_000,
      );
      await waitUntil(
        "every entry acked",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
      );
      expect(shipper.calls).toBe(2);
      expect(worker.spine.failedEvents()[0]?.event.eventType).toBe("SHIPPED");
      expect(worker.spine.getStats().eventsDeduplicated).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it("handles once two entries of one event (a retried enqueue) that are in flight together", async () => {
    const streamKey = uniqueKey("dedupe-copies");
    const firstAttempt = deferred();
    const shipper = new Shipper({ firstAttempt: firstAttempt.promise });
    const worker = startWorker([shipper], backendOptions(streamKey), {
      dedupe: true,
      concurrency: 4,
    });
    try {
      const order = new Event("ORDER", { sku: "C-3" });
      await worker.backend.enqueue(order);
      await worker.backend.enqueue(order);
      await waitUntil("the first copy under way", () => shipper.calls === 1);
      firstAttempt.resolve();
      await waitUntil("one copy skipped", () => worker.spine.getStats().eventsDeduplicated === 1);
      await waitUntil(
        "every entry acked",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
      );
      expect(shipper.calls).toBe(1);
      expect(await entriesOfType(fixture.redis, streamKey, "SHIPPED")).toBe(1);
    } finally {
      await worker.stop();
    }
  });

  it("keeps at most dedupe.maxIds ids on a worker that never stops", async () => {
    const streamKey = uniqueKey("dedupe-bounded");
    const shipper = new Shipper({});
    const worker = startWorker([shipper], backendOptions(streamKey), {
      dedupe: { maxIds: 100 },
      concurrency: 16,
    });
    try {
      await Promise.all(
        Array.from({ length: 250 }, (_, n) => worker.backend.enqueue(new Event("ORDER", { n }))),
      );
      await waitUntil("250 orders shipped", () => shipper.calls === 250);
      // Each ORDER emits a SHIPPED nobody listens to: 500 distinct ids committed in all.
      await waitUntil(
        "500 events committed",
        () => worker.spine.getStats().eventsProcessed === 500,
      );
      await waitUntil(
        "every entry acked",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
      );
      expect(worker.spine.getStats().dedupeIds).toBe(100);
    } finally {
      await worker.stop();
    }
  });
});
