import { randomUUID } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { readStream } from "./support.js";

describeRedis("Loop protection across worker processes", () => {
  const fixture = usePrivateRedis();
  afterEach(() => WorkerProcess.killAll());

  it("ends an A -> A loop that runs through two necrostack workers at maxHops, with one dead letter", {
    timeout: 90_000,
  }, async () => {
    const stream = `loop:${randomUUID()}`;
    const start = (consumer: string): WorkerProcess =>
      WorkerProcess.start({
        redisUrl: fixture.server.url,
        organs: "test/fixtures/loop-organs.ts",
        args: ["--stream", stream, "--group", "g", "--consumer", consumer, "--max-hops", "20"],
      });
    const a = start("a");
    const b = start("b");
    await Promise.all([a.listening(), b.listening()]);
    const producer = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey: stream,
      logger: false,
    });
    const first = new Event("PING", { n: 0 });
    await producer.enqueue(first);
    await producer.close();

    await waitUntil(
      "the dead letter",
      async () => (await fixture.redis.xlen(`${stream}:dlq`)) === 1,
      {
        timeoutMs: 60_000,
      },
    );
    const entries = await readStream(fixture.redis, stream);
    // Hops 0 to 21: hops 0..20 were handled, the event at hop 21 was stopped.
    expect(entries).toHaveLength(22);
    const [dead] = await readStream(fixture.redis, `${stream}:dlq`);
    expect(dead?.fields.reason).toBe(
      `loop protection: hop 21 > maxHops 20 (correlation-id ${first.id})`,
    );
    const last = JSON.parse(entries.at(-1)?.fields.headers ?? "{}") as Record<string, string>;
    expect(last).toMatchObject({ hop: "21", "correlation-id": first.id });
    for (const worker of [a, b]) worker.signal("SIGTERM");
    for (const worker of [a, b]) await worker.exitsCleanly(20_000);
  });
});
