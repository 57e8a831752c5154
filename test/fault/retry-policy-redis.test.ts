import { expect, it } from "vitest";
import { Event, type HandlerContext, Organ } from "../../src/index.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { pendingCount, readStream, startWorker, uniqueKey, waitUntil } from "./support.js";

/** Fails the first `failures` tries; records each try's attempt and time. */
class Flaky extends Organ {
  readonly listensTo = ["JOB"];
  readonly tries: { attempt: number; at: number }[] = [];

  constructor(readonly failures: number) {
    super();
  }

  handle(_event: Event, ctx: HandlerContext): Event {
    this.tries.push({ attempt: ctx.attempt, at: Date.now() });
    if (this.tries.length <= this.failures) throw new Error(`try ${this.tries.length} failed`);
    return new Event("DONE");
  }
}

describeRedis("A retry policy on Redis", () => {
  const fixture = usePrivateRedis();

  it("brings the event back after each backoff, with the attempt counted, until a try succeeds", {
    timeout: 30_000,
  }, async () => {
    const streamKey = uniqueKey("retry");
    const organ = new Flaky(2);
    const worker = startWorker(
      [organ],
      { redisUrl: fixture.server.url, streamKey, claimMinIdleMs: 60_000, maxRetries: 5 },
      { retry: { JOB: { attempts: 3, backoff: { initialMs: 300, factor: 2, jitter: "none" } } } },
    );
    try {
      await worker.backend.enqueue(new Event("JOB"));
      await waitUntil("the third try", () => organ.tries.length === 3, 10_000);
      await waitUntil("DONE in the stream", async () =>
        (await readStream(fixture.redis, streamKey)).some((e) =>
          e.fields.event?.includes('"DONE"'),
        ),
      );
      expect(organ.tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
      // Not sooner than the backoff: 300 ms, then 600 ms (claimMinIdleMs is a minute).
      expect((organ.tries[1]?.at ?? 0) - (organ.tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(280);
      expect((organ.tries[2]?.at ?? 0) - (organ.tries[1]?.at ?? 0)).toBeGreaterThanOrEqual(580);
      await waitUntil(
        "nothing pending",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
      );
      expect(await fixture.redis.xlen(`${streamKey}:dlq`)).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it("dead-letters the event at once under handlerFailureMode nack once the attempts are spent", {
    timeout: 30_000,
  }, async () => {
    const streamKey = uniqueKey("retry-spent");
    const organ = new Flaky(10);
    const worker = startWorker(
      [organ],
      { redisUrl: fixture.server.url, streamKey, claimMinIdleMs: 60_000, maxRetries: 10 },
      {
        handlerFailureMode: "nack",
        retry: { "*": { attempts: 2, backoff: { initialMs: 100, jitter: "none" } } },
      },
    );
    try {
      await worker.backend.enqueue(new Event("JOB"));
      await waitUntil(
        "one dead letter",
        async () => (await fixture.redis.xlen(`${streamKey}:dlq`)) === 1,
        10_000,
      );
      expect(organ.tries).toHaveLength(2);
      const [dead] = await readStream(fixture.redis, `${streamKey}:dlq`);
      expect(dead?.fields.reason).toMatch(
        /failed on all 2 tries of its retry policy; last: try 2 failed/,
      );
    } finally {
      await worker.stop();
    }
  });
});
