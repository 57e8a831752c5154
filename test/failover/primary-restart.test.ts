import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Event, FailoverBackend, Organ, Spine } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";

const JOBS = 300;
/** Jobs put on both servers before the run, as a primary that stored an enqueue it never confirmed. */
const COPIES = 10;

type Job = Event<"JOB", { n: number }>;
type Done = Event<"JOB_DONE", { n: number }>;

class JobOrgan extends Organ<Job> {
  readonly listensTo = ["JOB"] as const;
  handle(event: Job): Done {
    return new Event("JOB_DONE", { n: event.payload.n });
  }
}

class DoneOrgan extends Organ<Done> {
  readonly listensTo = ["JOB_DONE"] as const;
  readonly done = new Set<number>();
  handle(event: Done): void {
    this.done.add(event.payload.n);
  }
}

/** payload.n -> how many entries of `type` the stream holds on `url`. */
async function countsOf(url: string, stream: string, type: string): Promise<Map<number, number>> {
  const redis = rawClient(url);
  try {
    const counts = new Map<number, number>();
    for (const [, fields] of (await redis.xrange(stream, "-", "+")) as [string, string[]][]) {
      const event = Event.fromJSON(fields[fields.indexOf("event") + 1] as string);
      if (event.eventType !== type) continue;
      const n = event.payload.n as number;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    return counts;
  } finally {
    redis.disconnect();
  }
}

describeRedis("FailoverBackend with the primary redis-server killed and restarted mid-run", () => {
  let primary: RedisServer;
  let secondary: RedisServer;
  beforeAll(async () => {
    [primary, secondary] = await Promise.all([
      RedisServer.start({ appendOnly: true }),
      RedisServer.start({ appendOnly: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([primary?.dispose(), secondary?.dispose()]);
  });

  it("loses no job, drops the copies found on both, and commits each JOB_DONE exactly once", {
    timeout: 120_000,
  }, async () => {
    const stream = `failover:${randomUUID()}`;
    const redisOptions = {
      streamKey: stream,
      claimMinIdleMs: 500,
      claimIntervalMs: 100,
      commandTimeoutMs: 500,
      logger: false,
    } as const;
    const pair = () =>
      new FailoverBackend({
        primary: new RedisBackend({ ...redisOptions, redisUrl: primary.url }),
        secondary: new RedisBackend({ ...redisOptions, redisUrl: secondary.url }),
        failAfter: 2,
        probeIntervalMs: 300,
        logger: false,
      });

    // Jobs 0..9 on both servers: the copies a lost enqueue reply leaves behind.
    const onPrimary = new RedisBackend({ ...redisOptions, redisUrl: primary.url });
    const onSecondary = new RedisBackend({ ...redisOptions, redisUrl: secondary.url });
    for (let n = 0; n < COPIES; n++) {
      const job = new Event("JOB", { n });
      await onPrimary.enqueue(job);
      await onSecondary.enqueue(job);
    }
    await Promise.all([onPrimary.close(), onSecondary.close()]);

    const consumer = pair();
    const doneOrgan = new DoneOrgan();
    const spine = new Spine({
      organs: [new JobOrgan(), doneOrgan],
      backend: consumer,
      logger: false,
      concurrency: 8,
      pollTimeoutMs: 200,
      maxConsecutiveBackendFailures: 1_000,
    });
    const run = spine.run();

    const producer = pair();
    for (let n = COPIES; n < JOBS; n++) {
      if (n === 100) await primary.kill();
      if (n === 200) {
        // Down for a hundred enqueues: they went to the secondary, and health says so.
        expect(producer.metrics.active).toBe("secondary");
        const down = await producer.health();
        expect(down.details.active).toBe("secondary");
        expect(down.details.primary.healthy).toBe(false);
        expect(down.healthy).toBe(true);
        await primary.start();
      }
      await producer.enqueue(new Event("JOB", { n }));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(
      "enqueues back on the primary",
      async () => {
        await producer.enqueue(new Event("PROBE", {}));
        return producer.metrics.active === "primary";
        // A probe that began while the primary was down lasts as long as its health() does.
      },
      30_000,
    );
    // Enqueues went to the secondary while the primary was down, and came back to it after.
    expect(producer.metrics.switches).toBeGreaterThanOrEqual(2);
    expect(producer.metrics.primaryFailures).toBeGreaterThanOrEqual(2);
    const health = await producer.health();
    expect(health.details.active).toBe("primary");
    expect(health.healthy).toBe(true);

    try {
      await waitUntil("every JOB_DONE handled", () => doneOrgan.done.size === JOBS, 60_000);
    } finally {
      spine.stop();
      await run;
      await Promise.all([consumer.close(), producer.close()]);
    }
    expect(consumer.metrics.copiesDropped).toBeGreaterThanOrEqual(COPIES);
    // Every job's JOB_DONE was committed once, on one server or the other.
    const [donePrimary, doneSecondary] = await Promise.all([
      countsOf(primary.url, stream, "JOB_DONE"),
      countsOf(secondary.url, stream, "JOB_DONE"),
    ]);
    const doneCounts = new Map<number, number>();
    for (const counts of [donePrimary, doneSecondary]) {
      for (const [n, times] of counts) doneCounts.set(n, (doneCounts.get(n) ?? 0) + times);
    }
    expect(doneCounts.size).toBe(JOBS);
    expect([...doneCounts].filter(([, times]) => times !== 1)).toEqual([]);
    // Both servers took jobs: the secondary while the primary was down.
    expect((await countsOf(secondary.url, stream, "JOB")).size).toBeGreaterThan(COPIES);
  });
});
