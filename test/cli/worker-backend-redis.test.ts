/** `necrostack worker --backend redis://...` runs as `--redis` does: a process on a private redis-server. */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { RECORDING_ORGANS, WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";

describeRedis("necrostack worker --backend redis://", { timeout: 60_000 }, () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url);
  });
  afterEach(() => WorkerProcess.killAll());
  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });

  it("handles events added with `necrostack enqueue --backend redis://`, and on SIGTERM exits 0 with nothing pending", async () => {
    const stream = `worker:${randomUUID()}`;
    const key = `record:${randomUUID()}`;
    const worker = WorkerProcess.spawn(
      [
        ...["worker", "--organs", RECORDING_ORGANS, "--backend", server.url],
        ...["--stream", stream, "--group", "g", "--consumer", "w"],
      ],
      { FIXTURE_REDIS_URL: server.url, FIXTURE_KEY: key, FIXTURE_WORKER: "w" },
    );
    await worker.listening();
    expect(worker.stdout).toContain(
      `listening on stream ${stream} (group g) at ${server.url} with 2 organs (JobOrgan, DoneOrgan)`,
    );

    const enqueue = WorkerProcess.spawn([
      ...["enqueue", "--backend", server.url, "--stream", stream],
      ...["--type", "JOB", "--payload", '{"n":7}'],
    ]);
    expect(await enqueue.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    await waitUntil(
      "JOB 7 and its JOB_DONE are handled",
      async () => {
        return (await redis.hget(`${key}:done`, "7")) === "1";
      },
      { timeoutMs: 20_000 },
    );

    worker.signal("SIGTERM");
    await worker.exitsCleanly(15_000);
    expect(worker.stdout).toContain("necrostack worker w: stopped after 2 events");
    expect(await redis.hget(`${key}:job`, "7")).toBe("1");
    const [pending] = (await redis.xpending(stream, "g")) as [number, ...unknown[]];
    expect(pending).toBe(0);
  });
});
