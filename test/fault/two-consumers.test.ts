import { afterAll, beforeAll, expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { startWorker, uniqueKey, waitUntil } from "./support.js";

/** Records, per event id, which workers handled it. */
class Tally extends Organ {
  readonly listensTo = ["JOB"];
  constructor(
    readonly worker: string,
    readonly handledBy: Map<string, string[]>,
  ) {
    super();
  }
  async handle(event: Event): Promise<void> {
    // Interleave the two workers' handlers.
    if ((event.payload.n as number) % 7 === 0)
      await new Promise((resolve) => setImmediate(resolve));
    const by = this.handledBy.get(event.id) ?? [];
    by.push(this.worker);
    this.handledBy.set(event.id, by);
  }
}

describeRedis("Two consumers in one group", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it("never both receive one entry when nobody dies", async () => {
    const streamKey = uniqueKey("pair");
    const options = { redisUrl: server.url, streamKey, batchSize: 16 };
    const handledBy = new Map<string, string[]>();
    const a = startWorker([new Tally("a", handledBy)], options, { concurrency: 4 });
    const b = startWorker([new Tally("b", handledBy)], options, { concurrency: 4 });
    try {
      const events = Array.from({ length: 2_000 }, (_, n) => new Event("JOB", { n }));
      await Promise.all(events.map((event) => a.backend.enqueue(event)));
      await waitUntil("every event handled", () => handledBy.size === events.length, 20_000);
      await waitUntil(
        "every event acked",
        () => a.backend.metrics.eventsAcked + b.backend.metrics.eventsAcked === events.length,
      );

      for (const event of events) expect(handledBy.get(event.id)).toHaveLength(1);
      const byA = [...handledBy.values()].filter((by) => by[0] === "a").length;
      // Both took part.
      expect(byA).toBeGreaterThan(0);
      expect(byA).toBeLessThan(events.length);
      expect(a.backend.metrics.pendingRecovered + b.backend.metrics.pendingRecovered).toBe(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
