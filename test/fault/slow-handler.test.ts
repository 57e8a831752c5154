import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { readStream, startWorker, uniqueKey, waitUntil } from "./support.js";

/** Takes `ms` per event (far longer than claimMinIdleMs) and records who ran it. */
class SlowStep extends Organ {
  readonly listensTo = ["SLOW"];
  readonly ran: string[] = [];
  started: () => void = () => {};

  constructor(
    readonly worker: string,
    readonly ms: number,
  ) {
    super();
  }

  async handle(event: Event): Promise<Event> {
    this.ran.push(event.id);
    this.started();
    await new Promise((resolve) => setTimeout(resolve, this.ms));
    return new Event("SLOW_DONE", { by: this.worker });
  }
}

describeRedis("RedisBackend with a handler slower than claimMinIdleMs", () => {
  const fixture = usePrivateRedis();

  it("keeps its entry: another consumer never runs it, and the result is committed once", async () => {
    const streamKey = uniqueKey("slow");
    const options = {
      redisUrl: fixture.server.url,
      streamKey,
      claimMinIdleMs: 500,
      claimIntervalMs: 30,
    };
    // The handler runs four times claimMinIdleMs.
    const slow = new SlowStep("a", 2_000);
    const started = new Promise<void>((resolve) => {
      slow.started = resolve;
    });
    const a = startWorker([slow], options);
    const other = new SlowStep("b", 0);
    let b: ReturnType<typeof startWorker> | undefined;
    try {
      const event = new Event("SLOW", { n: 1 });
      await a.backend.enqueue(event);
      await started;
      b = startWorker([other], options);
      await waitUntil(
        "the slow event's result",
        async () => (await readStream(fixture.redis, streamKey)).length === 2,
        10_000,
      );

      expect(slow.ran).toEqual([event.id]);
      expect(other.ran).toEqual([]);
      expect(b.backend.metrics.pendingRecovered).toBe(0);
      expect(a.backend.metrics.commitsSkipped).toBe(0);
      const done = (await readStream(fixture.redis, streamKey)).filter((e) =>
        e.fields.event?.includes("SLOW_DONE"),
      );
      expect(done).toHaveLength(1);
      expect(JSON.parse(done[0]?.fields.event ?? "").payload).toEqual({ by: "a" });
    } finally {
      await a.stop();
      await b?.stop();
    }
  });
});
