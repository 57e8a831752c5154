import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import {
  observeFor,
  pendingCount,
  readStream,
  startWorker,
  uniqueKey,
  waitUntil,
} from "./support.js";

class AlwaysFails extends Organ {
  readonly listensTo = ["DOOMED"];
  calls = 0;
  handle(_event: Event): Event {
    this.calls++;
    throw new Error(`payment gateway refused (attempt ${this.calls})`);
  }
}

describeRedis("RedisBackend with a handler that always fails (handlerFailureMode nack)", () => {
  const fixture = usePrivateRedis();

  it("dead-letters the event after maxRetries deliveries, with the handler's failure as the reason", async () => {
    const streamKey = uniqueKey("nack");
    const organ = new AlwaysFails();
    const worker = startWorker(
      [organ],
      {
        redisUrl: fixture.server.url,
        streamKey,
        maxRetries: 3,
        claimMinIdleMs: 150,
        claimIntervalMs: 50,
      },
      { handlerFailureMode: "nack" },
    );
    try {
      const doomed = new Event("DOOMED", { orderId: "o-7" });
      await worker.backend.enqueue(doomed);
      await waitUntil(
        "a dead letter",
        async () => (await fixture.redis.xlen(`${streamKey}:dlq`)) === 1,
      );
      await waitUntil(
        "nothing pending",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
      );

      expect(organ.calls).toBe(3);
      const [dead] = await readStream(fixture.redis, `${streamKey}:dlq`);
      const [original] = await readStream(fixture.redis, streamKey);
      expect(dead?.fields.original_id).toBe(original?.id);
      expect(JSON.parse(dead?.fields.event ?? "")).toEqual(doomed.toJSON());
      expect(dead?.fields.reason).toBe(
        "Failed on all 3 deliveries; last failure: Organ AlwaysFails failed: payment gateway refused (attempt 3)",
      );
      expect(worker.backend.metrics.eventsFailed).toBe(1);
      // An absence is seen only over time: several claim intervals pass with no fourth delivery.
      await observeFor(300);
      expect(organ.calls).toBe(3);
    } finally {
      await worker.stop();
    }
  });

  it("dead-letters an entry whose consumer died after its last allowed delivery", async () => {
    const streamKey = uniqueKey("nack-dead");
    const options = {
      redisUrl: fixture.server.url,
      streamKey,
      maxRetries: 1,
      claimMinIdleMs: 150,
      claimIntervalMs: 50,
    };
    // A consumer takes the entry and dies without settling it: delivery 1 of 1.
    const dying = new RedisBackend({ ...options, logger: false });
    const doomed = new Event("DOOMED", { n: 1 });
    await dying.enqueue(doomed);
    expect((await dying.pull(2_000))?.id).toBe(doomed.id);
    await dying.close();

    const organ = new AlwaysFails();
    const worker = startWorker([organ], options, { handlerFailureMode: "nack" });
    try {
      await waitUntil(
        "a dead letter",
        async () => (await fixture.redis.xlen(`${streamKey}:dlq`)) === 1,
      );
      const [dead] = await readStream(fixture.redis, `${streamKey}:dlq`);
      expect(dead?.fields.reason).toMatch(
        /^Exceeded 1 deliveries \(last delivered to consumer .+\)/,
      );
      expect(organ.calls).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});
