import { randomUUID } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

// Slow enough (16 at a time, 200 ms each) that worker a is far from done when it is killed.
const JOBS = 400;

describeRedis("necrostack worker killed with SIGKILL mid-batch", () => {
  const fixture = usePrivateRedis();
  afterEach(() => WorkerProcess.killAll());

  it("lets another worker claim its pending entries after claimMinIdleMs, so every event is processed at least once", {
    timeout: 120_000,
  }, async () => {
    const stream = `kill:${randomUUID()}`;
    const key = `record:${randomUUID()}`;
    const flags = (consumer: string): string[] => [
      ...["--stream", stream, "--group", "g", "--consumer", consumer],
      ...["--concurrency", "16", "--batch-size", "32"],
      ...["--claim-min-idle-ms", "1000", "--claim-interval-ms", "200"],
    ];
    const env = { FIXTURE_REDIS_URL: fixture.server.url, FIXTURE_KEY: key };
    const producer = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey: stream,
      logger: false,
    });
    await Promise.all(
      Array.from({ length: JOBS }, (_, n) => producer.enqueue(new Event("JOB", { n }))),
    );
    await producer.close();

    const a = WorkerProcess.start({
      redisUrl: fixture.server.url,
      args: flags("a"),
      env: { ...env, FIXTURE_WORKER: "a", FIXTURE_DELAY_MS: "200" },
    });
    await waitUntil(
      "worker a has handled 40 jobs",
      async () => (await fixture.redis.hlen(`${key}:job`)) >= 40,
      {
        timeoutMs: 60_000,
      },
    );
    expect(await a.kill()).toEqual({ code: null, signal: "SIGKILL" });

    // Mid-batch: the dead worker still owns entries it read and never acked.
    const orphaned = (await fixture.redis.xpending(stream, "g", "-", "+", 1_000, "a")) as [
      string,
      string,
      number,
      number,
    ][];
    expect(orphaned.length).toBeGreaterThan(0);
    const orphanedJobs: string[] = [];
    for (const [id] of orphaned) {
      const [entry] = (await fixture.redis.xrange(stream, id, id)) as [string, string[]][];
      const fields = entry?.[1] ?? [];
      const event = Event.fromJSON(fields[fields.indexOf("event") + 1] as string);
      if (event.eventType === "JOB") orphanedJobs.push(String(event.payload.n));
    }
    expect(orphanedJobs.length).toBeGreaterThan(0);

    const b = WorkerProcess.start({
      redisUrl: fixture.server.url,
      args: flags("b"),
      env: { ...env, FIXTURE_WORKER: "b" },
    });
    await waitUntil(
      "every job and every JOB_DONE is handled",
      async () =>
        (await fixture.redis.hlen(`${key}:job`)) === JOBS &&
        (await fixture.redis.hlen(`${key}:done`)) === JOBS,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    b.signal("SIGTERM");
    expect(await b.waitForExit(20_000)).toEqual({ code: 0, signal: null });

    // Worker b handled every job worker a died holding.
    const lastWorker = await fixture.redis.hmget(`${key}:job:worker`, ...orphanedJobs);
    expect(lastWorker).toEqual(orphanedJobs.map(() => "b"));
    // No job is lost, each is handled at least once, and nothing is left pending.
    const counts = Object.values(await fixture.redis.hgetall(`${key}:job`)).map(Number);
    expect(counts).toHaveLength(JOBS);
    expect(counts.every((times) => times >= 1)).toBe(true);
    const [pending] = (await fixture.redis.xpending(stream, "g")) as [number, ...unknown[]];
    expect(pending).toBe(0);
  });
});
