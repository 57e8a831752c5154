import { randomUUID } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

const EVENTS = 10_000;

describeRedis("necrostack worker, scaled out", () => {
  const fixture = usePrivateRedis();
  afterEach(() => WorkerProcess.killAll());

  it("processes every event of a 10,000-event workload exactly once across 3 workers on one stream", {
    timeout: 240_000,
  }, async () => {
    const stream = `scale:${randomUUID()}`;
    const key = `record:${randomUUID()}`;
    const names = ["w1", "w2", "w3"];
    const workers = names.map((name) =>
      WorkerProcess.start({
        redisUrl: fixture.server.url,
        args: ["--stream", stream, "--group", "g", "--consumer", name, "--concurrency", "16"],
        env: { FIXTURE_REDIS_URL: fixture.server.url, FIXTURE_KEY: key, FIXTURE_WORKER: name },
      }),
    );
    await Promise.all(workers.map((worker) => worker.listening()));

    const producer = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey: stream,
      logger: false,
    });
    for (let from = 0; from < EVENTS; from += 1_000) {
      const sends: Promise<void>[] = [];
      for (let n = from; n < from + 1_000; n++)
        sends.push(producer.enqueue(new Event("JOB", { n })));
      await Promise.all(sends);
    }
    await producer.close();

    await waitUntil(
      "every JOB_DONE is handled",
      async () => (await fixture.redis.hlen(`${key}:done`)) === EVENTS,
      {
        timeoutMs: 180_000,
        intervalMs: 200,
        describe: async () => `${await fixture.redis.hlen(`${key}:done`)} of ${EVENTS} done`,
      },
    );
    for (const worker of workers) worker.signal("SIGTERM");
    await Promise.all(workers.map((worker) => worker.exitsCleanly(20_000)));

    // Each of the 10,000 jobs, and each JOB_DONE it caused, was handled exactly once.
    for (const record of [`${key}:job`, `${key}:done`]) {
      const counts = await fixture.redis.hgetall(record);
      expect(Object.keys(counts)).toHaveLength(EVENTS);
      const notOnce = Object.entries(counts).filter(([, times]) => times !== "1");
      expect(notOnce).toEqual([]);
    }
    // The work was shared: every worker handled some of it, and together all of it.
    const byWorker = await fixture.redis.hgetall(`${key}:by-worker`);
    expect(Object.keys(byWorker).sort()).toEqual(names);
    expect(Object.values(byWorker).reduce((sum, n) => sum + Number(n), 0)).toBe(EVENTS);
    // Nothing is left pending after the graceful stops, and each JOB_DONE was added once.
    const [pending] = (await fixture.redis.xpending(stream, "g")) as [number, ...unknown[]];
    expect(pending).toBe(0);
    expect(await fixture.redis.xlen(stream)).toBe(EVENTS * 2);
  });
});
