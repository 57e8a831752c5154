import { randomUUID } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

const JOBS = 100;
const CRASH_AT = 40;

describeRedis("necrostack worker killed between handling and commit", () => {
  const fixture = usePrivateRedis();
  afterEach(() => WorkerProcess.killAll());

  it("leaves each emitted event exactly once in the stream after another worker recovers", {
    timeout: 120_000,
  }, async () => {
    const stream = `atomic:${randomUUID()}`;
    const key = `record:${randomUUID()}`;
    const flags = (consumer: string): string[] => [
      ...["--stream", stream, "--group", "g", "--consumer", consumer, "--concurrency", "8"],
      ...["--claim-min-idle-ms", "500", "--claim-interval-ms", "100"],
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

    // Worker a records job 40, then kills itself before its JOB_DONE is committed.
    const a = WorkerProcess.start({
      redisUrl: fixture.server.url,
      args: flags("a"),
      env: { ...env, FIXTURE_WORKER: "a", FIXTURE_CRASH_AT_JOB: String(CRASH_AT) },
    });
    expect(await a.waitForExit(60_000)).toEqual({ code: null, signal: "SIGKILL" });

    const b = WorkerProcess.start({
      redisUrl: fixture.server.url,
      args: flags("b"),
      env: { ...env, FIXTURE_WORKER: "b" },
    });
    await waitUntil(
      "every JOB_DONE is handled",
      async () => (await fixture.redis.hlen(`${key}:done`)) === JOBS,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    b.signal("SIGTERM");
    expect(await b.waitForExit(20_000)).toEqual({ code: 0, signal: null });

    // Job 40 was handled twice (before the crash, and again by b), so the crash fell between
    // handling and commit...
    expect(await fixture.redis.hget(`${key}:job`, String(CRASH_AT))).toBe("2");
    expect(await fixture.redis.hget(`${key}:job:worker`, String(CRASH_AT))).toBe("b");
    // ...and yet every job's JOB_DONE is in the stream exactly once.
    const entries = (await fixture.redis.xrange(stream, "-", "+")) as [string, string[]][];
    const doneCount = new Map<number, number>();
    for (const [, fields] of entries) {
      const event = Event.fromJSON(fields[fields.indexOf("event") + 1] as string);
      if (event.eventType !== "JOB_DONE") continue;
      const n = event.payload.n as number;
      doneCount.set(n, (doneCount.get(n) ?? 0) + 1);
    }
    expect(doneCount.size).toBe(JOBS);
    expect([...doneCount].filter(([, times]) => times !== 1)).toEqual([]);
    const [pending] = (await fixture.redis.xpending(stream, "g")) as [number, ...unknown[]];
    expect(pending).toBe(0);
  });
});
