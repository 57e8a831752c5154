import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { observeFor, pendingCount, startWorker, uniqueKey, waitUntil } from "./support.js";

class Recorder extends Organ {
  readonly listensTo = ["ITEM"];
  readonly seen: Event[] = [];
  handle(event: Event): void {
    this.seen.push(event);
  }
}

describeRedis("RedisBackend with an entry trimmed while pending", () => {
  const fixture = usePrivateRedis();

  it("acks and drops the entry instead of claiming it again and again", async () => {
    const streamKey = uniqueKey("trimmed");
    const options = {
      redisUrl: fixture.server.url,
      streamKey,
      claimMinIdleMs: 150,
      claimIntervalMs: 50,
    };
    // A consumer takes the entry and goes away without acking it.
    const gone = new RedisBackend({ ...options, logger: false });
    const lost = new Event("ITEM", { n: 1 });
    await gone.enqueue(lost);
    expect((await gone.pull(2_000))?.id).toBe(lost.id);
    await gone.close();
    expect(await pendingCount(fixture.redis, streamKey, "necrostack")).toBe(1);
    // Trimmed away while still pending.
    await fixture.redis.xtrim(streamKey, "MAXLEN", 0);

    const organ = new Recorder();
    const worker = startWorker([organ], options);
    try {
      await waitUntil("the entry to be dropped", () => worker.backend.metrics.entriesDropped === 1);
      expect(await pendingCount(fixture.redis, streamKey, "necrostack")).toBe(0);
      await observeFor(300);
      expect(worker.backend.metrics.entriesDropped).toBe(1);
      expect(worker.backend.metrics.pendingRecovered).toBe(0);
      expect(organ.seen).toHaveLength(0);

      const next = new Event("ITEM", { n: 2 });
      await worker.backend.enqueue(next);
      await waitUntil("the next event", () => organ.seen.length === 1);
      expect(organ.seen[0]?.id).toBe(next.id);
    } finally {
      await worker.stop();
    }
  });
});
