import { expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { observeFor, pendingCount, uniqueKey, waitUntil } from "./support.js";

/** Pulls until an event comes, for at most `withinMs`. */
async function next(backend: RedisBackend, withinMs = 10_000): Promise<Event> {
  let got: Event | null = null;
  await waitUntil(
    "an event",
    async () => {
      got = await backend.pull(100).catch(() => null);
      return got !== null;
    },
    withinMs,
  );
  return got as unknown as Event;
}

describeRedis("A delayed release while workers and Redis restart", () => {
  const fixture = usePrivateRedis({ appendOnly: true });
  const options = (streamKey: string) => ({
    redisUrl: fixture.server.url,
    streamKey,
    claimMinIdleMs: 60_000,
    claimIntervalMs: 50,
    logger: false as const,
  });

  it("is delivered by a worker started after the one that released it stopped", async () => {
    const streamKey = uniqueKey("delayed-worker");
    const first = new RedisBackend(options(streamKey));
    const sent = new Event("LATER", { n: 1 });
    await first.enqueue(sent);
    const releasedAt = Date.now();
    await first.release(await next(first), { reason: "rate limited", delayMs: 800 });
    await first.close();

    // claimMinIdleMs is a minute: only the schedule can bring it back this soon.
    const second = new RedisBackend(options(streamKey));
    try {
      const again = await next(second);
      expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(800);
      expect(again.id).toBe(sent.id);
      expect(second.deliveryAttempt(again)).toBe(2);
      await second.ack(again);
    } finally {
      await second.close();
    }
  });

  it("survives Redis killed and restarted with appendonly, and is delivered once, on attempt 2", async () => {
    const streamKey = uniqueKey("delayed-redis");
    const backend = new RedisBackend(options(streamKey));
    try {
      const sent = new Event("LATER", { n: 2 });
      await backend.enqueue(sent);
      const releasedAt = Date.now();
      await backend.release(await next(backend), { delayMs: 1_500 });
      await fixture.server.restart(true);
      expect(await fixture.redis.zcard(`${streamKey}:delayed`)).toBe(1);

      const again = await next(backend);
      expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(1_500);
      expect(again.id).toBe(sent.id);
      expect(backend.deliveryAttempt(again)).toBe(2);
      await backend.ack(again);
      await observeFor(300);
      expect(await backend.pull(50)).toBeNull();
      expect(await pendingCount(fixture.redis, streamKey, "necrostack")).toBe(0);
      expect(await fixture.redis.exists(`${streamKey}:delayed`, `${streamKey}:delayed:data`)).toBe(
        0,
      );
    } finally {
      await backend.close();
    }
  });
});
