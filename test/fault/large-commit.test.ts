import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { pendingCount, startWorker, uniqueKey, waitUntil } from "./support.js";

/** On FAN_OUT, returns `payload.count` FANNED events. */
class FanOut extends Organ {
  readonly listensTo = ["FAN_OUT"];
  handled = 0;

  handle(event: Event): Event[] {
    this.handled++;
    const count = event.payload.count as number;
    const out: Event[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = new Event("FANNED", { from: event.id, i });
    return out;
  }
}

async function countFanned(
  redis: ReturnType<typeof usePrivateRedis>["redis"],
  key: string,
): Promise<number> {
  // XLEN counts the FAN_OUT entries too; they are the first `starts` entries.
  return Number(await redis.xlen(key));
}

describeRedis("RedisBackend committing many emitted events at once", () => {
  const fixture = usePrivateRedis();

  it("commits 64 events in flight that each emit 1,300 events, with no dead letter", {
    timeout: 90_000,
  }, async () => {
    const streamKey = uniqueKey("fan-out-batch");
    const organ = new FanOut();
    const worker = startWorker(
      [organ],
      { redisUrl: fixture.server.url, streamKey, batchSize: 64 },
      { concurrency: 64 },
    );
    try {
      for (let n = 0; n < 64; n++)
        await worker.backend.enqueue(new Event("FAN_OUT", { count: 1_300 }));
      await waitUntil(
        "all 64 x 1,300 emitted events in the stream",
        async () => (await countFanned(fixture.redis, streamKey)) === 64 + 64 * 1_300,
        30_000,
      );
      await waitUntil(
        "no entry pending",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
        // The acks follow the commits; on a loaded machine they may take a while.
        30_000,
      );
      expect(organ.handled).toBe(64);
      expect(await fixture.redis.xlen(`${streamKey}:dlq`)).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it("commits one handler's 100,000 emitted events in one atomic step", {
    timeout: 60_000,
  }, async () => {
    const streamKey = uniqueKey("fan-out-one");
    const organ = new FanOut();
    const worker = startWorker([organ], { redisUrl: fixture.server.url, streamKey });
    try {
      await worker.backend.enqueue(new Event("FAN_OUT", { count: 100_000 }));
      await waitUntil(
        "the 100,000 emitted events in the stream",
        async () => (await countFanned(fixture.redis, streamKey)) === 1 + 100_000,
        30_000,
      );
      // The FAN_OUT entry is acked by the same commit. (The worker goes on reading the fanned
      // events, which no organ handles, so other entries may be pending meanwhile.)
      const [[fanOutId]] = (await fixture.redis.xrange(streamKey, "-", "+", "COUNT", 1)) as [
        [string, string[]],
      ];
      await waitUntil(
        "the FAN_OUT entry not pending",
        async () =>
          (
            (await fixture.redis.xpending(
              streamKey,
              "necrostack",
              fanOutId,
              fanOutId,
              1,
            )) as unknown[]
          ).length === 0,
      );
      expect(organ.handled).toBe(1);
      expect(await fixture.redis.xlen(`${streamKey}:dlq`)).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});
