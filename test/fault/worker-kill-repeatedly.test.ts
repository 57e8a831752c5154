import { randomUUID } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

const JOBS = 600;
const KILLS = 3;

describeRedis("necrostack workers killed with SIGKILL again and again", () => {
  const fixture = usePrivateRedis();
  afterEach(() => WorkerProcess.killAll());

  it("still handles every job at least once and adds each emitted event exactly once", {
    timeout: 180_000,
  }, async () => {
    const stream = `kills:${randomUUID()}`;
    const key = `record:${randomUUID()}`;
    const start = (consumer: string): WorkerProcess =>
      WorkerProcess.start({
        redisUrl: fixture.server.url,
        args: [
          ...["--stream", stream, "--group", "g", "--consumer", consumer],
          ...["--concurrency", "4", "--claim-min-idle-ms", "500", "--claim-interval-ms", "100"],
          // Every entry a victim holds when it dies (read ahead, up to its batch of 64) has
          // counted a delivery; one claimed from victim to victim would reach the default 3 and
          // be dead-lettered as a poison entry, by design. More deliveries than kills keeps this
          // test about loss and duplicates.
          ...["--max-retries", String(KILLS + 2)],
        ],
        env: {
          FIXTURE_REDIS_URL: fixture.server.url,
          FIXTURE_KEY: key,
          FIXTURE_WORKER: consumer,
          FIXTURE_DELAY_MS: "40",
        },
      });
    const producer = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey: stream,
      logger: false,
    });
    await Promise.all(
      Array.from({ length: JOBS }, (_, n) => producer.enqueue(new Event("JOB", { n }))),
    );
    await producer.close();

    const steady = start("steady");
    await steady.listening();
    // A second worker is killed mid-work and replaced by a new one, KILLS times.
    for (let kill = 1; kill <= KILLS; kill++) {
      const victim = start(`victim-${kill}`);
      await victim.listening();
      const target = (JOBS * kill) / (KILLS + 1);
      await waitUntil(
        `${target} jobs are handled`,
        async () => (await fixture.redis.hlen(`${key}:job`)) >= target,
        { timeoutMs: 60_000 },
      );
      expect(await victim.kill()).toEqual({ code: null, signal: "SIGKILL" });
    }
    const last = start("last");
    // Listening before it may be told to stop: a SIGTERM before its handler is installed kills it.
    await last.listening();
    await waitUntil(
      "every JOB_DONE is handled",
      async () => (await fixture.redis.hlen(`${key}:done`)) === JOBS,
      {
        timeoutMs: 90_000,
        intervalMs: 100,
        describe: async () =>
          `${await fixture.redis.hlen(`${key}:done`)} of ${JOBS} done; dead letters: ${JSON.stringify(
            (await fixture.redis.xrange(`${stream}:dlq`, "-", "+")).map(
              ([, f]) => f[f.indexOf("reason") + 1],
            ),
          )}; pending: ${JSON.stringify(await fixture.redis.call("XPENDING", stream, "g"))}`,
      },
    );
    for (const worker of [steady, last]) worker.signal("SIGTERM");
    for (const worker of [steady, last]) await worker.exitsCleanly(20_000);

    const jobs = Object.values(await fixture.redis.hgetall(`${key}:job`)).map(Number);
    expect(jobs).toHaveLength(JOBS);
    expect(jobs.every((times) => times >= 1)).toBe(true);
    const entries = (await fixture.redis.xrange(stream, "-", "+")) as [string, string[]][];
    const done = new Map<number, number>();
    for (const [, fields] of entries) {
      const event = Event.fromJSON(fields[fields.indexOf("event") + 1] as string);
      if (event.eventType === "JOB_DONE") {
        const n = event.payload.n as number;
        done.set(n, (done.get(n) ?? 0) + 1);
      }
    }
    expect(done.size).toBe(JOBS);
    expect([...done].filter(([, times]) => times !== 1)).toEqual([]);
    const [pending] = (await fixture.redis.xpending(stream, "g")) as [number, ...unknown[]];
    expect(pending).toBe(0);
    expect(await fixture.redis.xlen(`${stream}:dlq`)).toBe(0);
  });
});
