import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { observeFor, startWorker, uniqueKey, waitUntil } from "./support.js";

/** Holds its one event until `open()`. */
class Gate extends Organ {
  readonly listensTo = ["BUSY"];
  busy = false;
  open: () => void = () => {};
  async handle(_event: Event): Promise<void> {
    this.busy = true;
    await new Promise<void>((resolve) => {
      this.open = resolve;
    });
  }
}

/** How many XPENDING commands Redis ran since its stats were reset (script calls included). */
async function xpendingCalls(redis: ReturnType<typeof usePrivateRedis>["redis"]): Promise<number> {
  const info = String(await redis.call("INFO", "commandstats"));
  return Number(/cmdstat_xpending:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

describeRedis("Recovery with no free slot", () => {
  const fixture = usePrivateRedis();

  it("waits its interval instead of asking for the same page of idle entries again and again", {
    timeout: 30_000,
  }, async () => {
    const streamKey = uniqueKey("no-slot");
    const redis = fixture.redis;
    const gate = new Gate();
    const worker = startWorker(
      [gate],
      {
        redisUrl: fixture.server.url,
        streamKey,
        batchSize: 1,
        claimMinIdleMs: 300,
        claimIntervalMs: 200,
      },
      { concurrency: 1 },
    );
    try {
      // The worker's only slot is taken by an event it holds until the end of the test.
      await worker.backend.enqueue(new Event("BUSY", {}));
      await waitUntil("the slot to be busy", () => gate.busy);
      // A consumer that dies holding 150 entries.
      for (let n = 0; n < 150; n++)
        await redis.xadd(streamKey, "*", "event", JSON.stringify(new Event("JOB", { n }).toJSON()));
      await redis.call(
        "XREADGROUP",
        "GROUP",
        "necrostack",
        "dead",
        "COUNT",
        "150",
        "STREAMS",
        streamKey,
        ">",
      );
      await observeFor(400);

      await redis.call("CONFIG", "RESETSTAT");
      await observeFor(2_000);
      // Ten recovery rounds and about twenty keep-alives fit in 2 s; a spin makes over a thousand.
      expect(await xpendingCalls(redis)).toBeLessThan(100);
      expect(worker.backend.metrics.pendingRecovered).toBe(0);
    } finally {
      gate.open();
      await worker.stop();
    }
  });
});
