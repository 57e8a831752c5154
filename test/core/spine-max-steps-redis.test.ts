/**
 * maxSteps on a real Redis: the event a run stops at is handed back, not held by a consumer that
 * no longer handles it; and a worker's Spine has no step limit unless asked for one.
 */
import { expect, it } from "vitest";
import { Event, MaxStepsExceededError, Organ, Spine } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import {
  pendingCount,
  pendingEntries,
  startWorker,
  uniqueKey,
  waitUntil,
} from "../fault/support.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { organ } from "./support/organs.js";

class Recorder extends Organ {
  readonly listensTo = ["JOB"];
  readonly seen: number[] = [];

  handle(event: Event): undefined {
    this.seen.push(event.payload.n as number);
  }
}

describeRedis("Spine maxSteps on Redis", () => {
  const fixture = usePrivateRedis();

  it("leaves the event a run stopped at to the next run on the same backend", async () => {
    const streamKey = uniqueKey("max-steps-same");
    const backend = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey,
      logger: false,
      claimMinIdleMs: 150,
      claimIntervalMs: 50,
    });
    const recorder = new Recorder();
    const spine = new Spine({
      organs: [recorder],
      backend,
      logger: false,
      maxSteps: 2,
      pollTimeoutMs: 50,
    });
    try {
      for (const n of [1, 2, 3]) await backend.enqueue(new Event("JOB", { n }));
      await expect(spine.run()).rejects.toThrow(MaxStepsExceededError);
      expect(recorder.seen).toEqual([1, 2]);

      const controller = new AbortController();
      const again = spine.run(undefined, { signal: controller.signal });
      await waitUntil("the third job", () => recorder.seen.length === 3, 5_000).finally(() =>
        controller.abort(),
      );
      await again;
      expect(recorder.seen).toEqual([1, 2, 3]);
      await waitUntil(
        "every entry acked",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
      );
    } finally {
      await backend.close();
    }
  });

  it("leaves the event a run stopped at to another consumer while its backend stays open", async () => {
    const streamKey = uniqueKey("max-steps-other");
    const options = { redisUrl: fixture.server.url, streamKey, claimMinIdleMs: 150 };
    // Its own recovery rounds are far apart, so only the other consumer can claim the entry.
    const stopped = new RedisBackend({ ...options, logger: false, claimIntervalMs: 60_000 });
    const first = new Recorder();
    const spine = new Spine({ organs: [first], backend: stopped, logger: false, maxSteps: 1 });
    const second = new Recorder();
    let worker: ReturnType<typeof startWorker> | undefined;
    try {
      for (const n of [1, 2]) await stopped.enqueue(new Event("JOB", { n }));
      await expect(spine.run()).rejects.toThrow(MaxStepsExceededError);
      expect(first.seen).toEqual([1]);
      // Handed back: parked for any consumer to claim at once, its one delivery not counted.
      await waitUntil("the entry to be parked", async () => {
        const pending = await pendingEntries(fixture.redis, streamKey, "necrostack");
        return pending.length === 1 && pending[0]?.consumer === "necrostack:handed-back";
      });
      const [parked] = await pendingEntries(fixture.redis, streamKey, "necrostack");
      expect(parked?.deliveries).toBe(0);
      expect(parked?.idleMs).toBeGreaterThanOrEqual(150);

      worker = startWorker([second], { ...options, claimIntervalMs: 50 });
      await waitUntil("the second job", () => second.seen.length === 1, 5_000);
      expect(second.seen).toEqual([2]);
    } finally {
      await worker?.stop();
      await stopped.close();
    }
  });

  it("does not claim back, while nobody pulls from it, the entry it handed back", async () => {
    const streamKey = uniqueKey("max-steps-own-recovery");
    const options = { redisUrl: fixture.server.url, streamKey, claimMinIdleMs: 150 };
    // Its own recovery runs often: it must leave the parked entry to consumers that pull.
    const stopped = new RedisBackend({ ...options, logger: false, claimIntervalMs: 20 });
    const spine = new Spine({
      organs: [new Recorder()],
      backend: stopped,
      logger: false,
      maxSteps: 1,
    });
    const second = new Recorder();
    let worker: ReturnType<typeof startWorker> | undefined;
    const owner = async () =>
      (await pendingEntries(fixture.redis, streamKey, "necrostack")).map((p) => p.consumer);
    try {
      for (const n of [1, 2]) await stopped.enqueue(new Event("JOB", { n }));
      await expect(spine.run()).rejects.toThrow(MaxStepsExceededError);
      await waitUntil("the entry to be parked", async () => (await owner()).length === 1);
      // Many of its recovery rounds later, the entry is still parked for others.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await owner()).toEqual(["necrostack:handed-back"]);

      worker = startWorker([second], { ...options, claimIntervalMs: 50 });
      await waitUntil("the second job", () => second.seen.length === 1, 5_000);
      expect(second.seen).toEqual([2]);
    } finally {
      await worker?.stop();
      await stopped.close();
    }
  });

  it("handles more than 10,000 events on a RedisBackend when maxSteps is not given", async () => {
    const streamKey = uniqueKey("max-steps-default");
    const total = 10_001;
    const backend = new RedisBackend({ redisUrl: fixture.server.url, streamKey, logger: false });
    let handled = 0;
    const spine = new Spine({
      organs: [organ("Counter", ["JOB"], () => void handled++)],
      backend,
      logger: false,
      concurrency: 64,
    });
    try {
      const pipeline = fixture.redis.pipeline();
      for (let n = 0; n < total; n++) {
        pipeline.xadd(streamKey, "*", "event", JSON.stringify(new Event("JOB", { n }).toJSON()));
      }
      await pipeline.exec();
      let failure: unknown;
      const run = spine.run().catch((error: unknown) => {
        failure = error;
      });
      await waitUntil(`${total} events`, () => handled === total || failure !== undefined, 20_000);
      spine.stop();
      await run;
      expect(failure).toBeUndefined();
      expect(spine.getStats().eventsProcessed).toBe(total);
    } finally {
      await backend.close();
    }
  });
});
