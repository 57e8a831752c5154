import { afterAll, beforeAll, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { captureLogger, uniqueKey } from "./support.js";

describeRedis("RedisBackend.close() while Redis is unreachable", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it("resolves within a bounded time, drops the connections and says so in a warning", async () => {
    await server.kill();
    const { logger, lines } = captureLogger();
    const backend = new RedisBackend({
      redisUrl: server.url,
      streamKey: uniqueKey("close-down"),
      logger,
    });
    // The backend has tried to reach Redis (and is still retrying) when close() is called.
    await expect(backend.enqueue(new Event("JOB", { n: 1 }))).rejects.toThrow(/enqueue/);
    await expect(backend.pull(100)).rejects.toThrow(/consumer group/);

    const outcome = await Promise.race([
      backend.close().then(() => "closed" as const),
      new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 10_000)),
    ]);
    expect(outcome).toBe("closed");
    expect(
      lines.some((line) => line.level === 40 && /while closing/.test(String(line.message))),
    ).toBe(true);
  }, 30_000);
});

describeRedis("RedisBackend.pull() while Redis is unreachable", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
    await server.kill();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it("resolves null as soon as its signal aborts, without waiting out the reconnection attempts", async () => {
    const backend = new RedisBackend({
      redisUrl: server.url,
      streamKey: uniqueKey("pull-down"),
      logger: false,
    });
    const controller = new AbortController();
    const pulled = backend.pull(30_000, controller.signal);
    setTimeout(() => controller.abort(), 200);
    const outcome = await Promise.race([
      pulled,
      new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), 3_000)),
    ]);
    expect(outcome).toBeNull();
    await backend.close();
  }, 30_000);
});
