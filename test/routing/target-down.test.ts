import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Event, Organ, RoutingBackend, Spine } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";

const JOBS = 50;

type Job = Event<"JOB", { n: number }>;

class JobOrgan extends Organ<Job> {
  readonly listensTo = ["JOB"] as const;
  handle(event: Job): Event {
    return new Event("AUDIT_JOB", { n: event.payload.n });
  }
}

describeRedis("RoutingBackend while the target of its forwards is down", () => {
  let a: RedisServer;
  let b: RedisServer;
  beforeAll(async () => {
    [a, b] = await Promise.all([RedisServer.start(), RedisServer.start({ appendOnly: true })]);
  });
  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  });

  it("keeps each forward on its source, released with a delay, and forwards it once the target is back", {
    timeout: 60_000,
  }, async () => {
    const stream = `routing-down:${randomUUID()}`;
    const options = { streamKey: stream, logger: false, commandTimeoutMs: 500 } as const;
    const routing = new RoutingBackend({
      routes: [
        { types: ["AUDIT_*"], backend: new RedisBackend({ ...options, redisUrl: b.url }) },
        { types: ["*"], backend: new RedisBackend({ ...options, redisUrl: a.url }) },
      ],
      forwardRetryDelayMs: 200,
      logger: false,
    });
    // Only JOB is handled here: the AUDIT_JOB events are forwarded, and counted on B.
    const spine = new Spine({
      organs: [new JobOrgan()],
      backend: routing,
      logger: false,
      concurrency: 8,
      pollTimeoutMs: 100,
      maxConsecutiveBackendFailures: 10_000,
    });
    await b.stop();
    const run = spine.run(Array.from({ length: JOBS }, (_, n) => new Event("JOB", { n })));
    const redisB = rawClient(b.url);
    try {
      await waitUntil("forwards failing", () => routing.metrics.failures >= 5, 30_000);
      expect(routing.metrics.forwarded).toBe(0);
      await b.start();
      await waitUntil(
        "every AUDIT_JOB on B",
        async () => (await redisB.xlen(stream).catch(() => 0)) === JOBS,
        30_000,
      );
      await waitUntil("every forward acked", () => routing.metrics.forwarded === JOBS, 10_000);
      // Each once: no forward was added twice, whatever failed on the way.
      const entries = (await redisB.xrange(stream, "-", "+")) as [string, string[]][];
      const ids = entries.map(([, fields]) => Event.fromJSON(fields[1] as string).id);
      expect(new Set(ids).size).toBe(JOBS);
    } finally {
      spine.stop();
      await run;
      redisB.disconnect();
      await routing.close();
    }
  });
});
