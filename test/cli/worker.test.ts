import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";

describeRedis(
  "necrostack worker (a process on a private redis-server)",
  { timeout: 60_000 },
  () => {
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

    /** A fresh stream and record key, and the worker flags and fixture env that use them. */
    function setup(consumer = "w") {
      const stream = `worker:${randomUUID()}`;
      const key = `record:${randomUUID()}`;
      return {
        stream,
        key,
        args: ["--stream", stream, "--group", "g", "--consumer", consumer],
        env: { FIXTURE_REDIS_URL: server.url, FIXTURE_KEY: key, FIXTURE_WORKER: consumer },
      };
    }

    /** Entries read and not yet acked; 0 until the worker has created its group. */
    async function pendingCount(stream: string): Promise<number> {
      try {
        const [count] = (await redis.xpending(stream, "g")) as [number, ...unknown[]];
        return count;
      } catch (error) {
        if (String(error).includes("NOGROUP")) return 0;
        throw error;
      }
    }

    async function enqueueJob(stream: string, n: number): Promise<void> {
      const producer = new RedisBackend({ redisUrl: server.url, streamKey: stream, logger: false });
      await producer.enqueue(new Event("JOB", { n }));
      await producer.close();
    }

    it("handles events added with `necrostack enqueue`, and on SIGTERM stops and exits 0", async () => {
      const { stream, key, args, env } = setup();
      const worker = WorkerProcess.start({ redisUrl: server.url, args, env });
      await worker.listening();
      expect(worker.stdout).toContain(
        `listening on stream ${stream} (group g) at ${server.url} with 2 organs (JobOrgan, DoneOrgan)`,
      );

      const enqueue = WorkerProcess.spawn([
        ...["enqueue", "--redis", server.url, "--stream", stream],
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
      expect(await worker.waitForExit(15_000)).toEqual({ code: 0, signal: null });
      expect(worker.stdout).toContain("necrostack worker w: stopped after 2 events");
      expect(await redis.hget(`${key}:job`, "7")).toBe("1");
      expect(await pendingCount(stream)).toBe(0);
    });

    it("finishes the event in flight on SIGTERM: its emitted event is added and it is acked", async () => {
      const { stream, key, args, env } = setup();
      const worker = WorkerProcess.start({
        redisUrl: server.url,
        args,
        env: { ...env, FIXTURE_DELAY_MS: "1500" },
      });
      await worker.listening();
      await enqueueJob(stream, 1);
      await waitUntil(
        "the worker has read the job",
        async () => (await pendingCount(stream)) === 1,
        {
          timeoutMs: 20_000,
        },
      );

      worker.signal("SIGTERM");
      expect(await worker.waitForExit(15_000)).toEqual({ code: 0, signal: null });
      expect(await redis.hget(`${key}:job`, "1")).toBe("1");
      expect(await pendingCount(stream)).toBe(0);
      const types = ((await redis.xrange(stream, "-", "+")) as [string, string[]][]).map(
        ([, fields]) => Event.fromJSON(fields[fields.indexOf("event") + 1] as string).eventType,
      );
      expect(types).toEqual(["JOB", "JOB_DONE"]);
    });

    it("exits at once on a second signal, leaving the event in flight pending for another worker", async () => {
      const { stream, key, args, env } = setup();
      const worker = WorkerProcess.start({
        redisUrl: server.url,
        args,
        env: { ...env, FIXTURE_DELAY_MS: "60000", NECROSTACK_LOG_LEVEL: "info" },
      });
      await worker.listening();
      await enqueueJob(stream, 1);
      await waitUntil(
        "the worker has read the job",
        async () => (await pendingCount(stream)) === 1,
        {
          timeoutMs: 20_000,
        },
      );

      worker.signal("SIGTERM");
      await worker.waitForStderr(/Received SIGTERM; finishing events in flight/, 10_000);
      worker.signal("SIGINT");
      expect(await worker.waitForExit(5_000)).toEqual({ code: 130, signal: null });
      expect(await redis.hget(`${key}:job`, "1")).toBeNull();
      expect(await pendingCount(stream)).toBe(1);
    });

    it("exits 1 when a graceful stop takes longer than --shutdown-timeout-ms", async () => {
      const { stream, args, env } = setup();
      const worker = WorkerProcess.start({
        redisUrl: server.url,
        args: [...args, "--shutdown-timeout-ms", "500"],
        env: { ...env, FIXTURE_DELAY_MS: "60000" },
      });
      await worker.listening();
      await enqueueJob(stream, 1);
      await waitUntil(
        "the worker has read the job",
        async () => (await pendingCount(stream)) === 1,
        {
          timeoutMs: 20_000,
        },
      );

      worker.signal("SIGTERM");
      expect(await worker.waitForExit(10_000)).toEqual({ code: 1, signal: null });
      expect(worker.stderr).toContain("did not stop within 500 ms; exiting now");
    });

    it("exits 0 after a stop even when the organs module leaves something open", async () => {
      const { args } = setup();
      const worker = WorkerProcess.start({
        redisUrl: server.url,
        organs: "test/fixtures/organs/keeps-process-alive.ts",
        args,
      });
      await worker.listening();
      worker.signal("SIGTERM");
      expect(await worker.waitForExit(10_000)).toEqual({ code: 0, signal: null });
      expect(worker.stderr).toContain("Export a close() function from the module");
    });

    it("never prints the Redis password", async () => {
      const password = `pw-${randomUUID()}`;
      const secured = await RedisServer.start();
      try {
        const admin = new Redis(secured.url);
        await admin.config("SET", "requirepass", password);
        admin.disconnect();
        const url = `redis://:${password}@127.0.0.1:${secured.port}`;
        const stream = `worker:${randomUUID()}`;
        const key = `record:${randomUUID()}`;
        const worker = WorkerProcess.start({
          redisUrl: url,
          args: ["--stream", stream, "--group", "g", "--consumer", "w"],
          env: { FIXTURE_REDIS_URL: url, FIXTURE_KEY: key, NECROSTACK_LOG_LEVEL: "debug" },
        });
        await worker.listening();
        expect(worker.stdout).toContain(`at redis://:***@127.0.0.1:${secured.port}`);
        const enqueue = WorkerProcess.spawn([
          ...[
            "enqueue",
            "--redis",
            url,
            "--stream",
            stream,
            "--type",
            "JOB",
            "--payload",
            '{"n":1}',
          ],
        ]);
        expect(await enqueue.waitForExit(30_000)).toMatchObject({ code: 0 });
        const record = new Redis(url);
        try {
          await waitUntil(
            "the job is handled",
            async () => (await record.hget(`${key}:done`, "1")) === "1",
            {
              timeoutMs: 20_000,
            },
          );
        } finally {
          record.disconnect();
        }
        worker.signal("SIGTERM");
        expect(await worker.waitForExit(15_000)).toEqual({ code: 0, signal: null });
        for (const output of [worker.stdout, worker.stderr, enqueue.stdout, enqueue.stderr]) {
          expect(output).not.toContain(password);
        }
        expect(worker.stderr).toContain("Dispatching JOB");
      } finally {
        await secured.dispose();
      }
    });
  },
);
