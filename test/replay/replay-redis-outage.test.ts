import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisReplayTarget } from "../../src/backends/redis/replay-target.js";
import { replay } from "../../src/core/replay/replay.js";
import { Event } from "../../src/index.js";
import { RedisInspector, RedisOperationError } from "../../src/redis.js";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";

describeRedis("replay() when Redis dies under it", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start({ appendOnly: true });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("fails with RedisOperationError, and once Redis is back resumes with every event once", {
    timeout: 60_000,
  }, async () => {
    const redis = rawClient(server.url);
    const events = Array.from({ length: 3_000 }, (_, n) => new Event("E", { n }));
    const pipeline = redis.pipeline();
    for (const event of events) pipeline.xadd("src", "*", "event", JSON.stringify(event.toJSON()));
    await pipeline.exec();
    const source = new RedisInspector({ redisUrl: server.url, commandTimeoutMs: 2_000 });
    const into = new RedisReplayTarget({
      redisUrl: server.url,
      stream: "dst",
      commandTimeoutMs: 2_000,
    });
    const options = { source, stream: "src", replayId: "outage", batchSize: 20 };
    const running = replay({ ...options, into, rate: 2_000 });
    running.catch(() => {});
    await waitUntil("the replay under way", async () => (await redis.xlen("dst")) >= 500, 20_000);
    // SIGKILL: with appendfsync always, what Redis acknowledged survives, and nothing else.
    await server.kill();
    await expect(running).rejects.toBeInstanceOf(RedisOperationError);
    await into.close();
    await source.close();
    await server.start();
    const source2 = new RedisInspector({ redisUrl: server.url });
    const into2 = new RedisReplayTarget({ redisUrl: server.url, stream: "dst" });
    try {
      const summary = await replay({ ...options, source: source2, into: into2 });
      expect(summary).toMatchObject({ resumed: true, done: true, replayed: 3_000 });
      const written = (await redis.xrange("dst", "-", "+")) as [string, string[]][];
      const from = written.map(([, fields]) => {
        const headers = JSON.parse(fields[fields.indexOf("headers") + 1] as string);
        return headers["replayed-from"] as string;
      });
      expect(from).toEqual(events.map((event) => event.id));
    } finally {
      await into2.close();
      await source2.close();
      redis.disconnect();
    }
  });
});
