import pino from "pino";
import { afterEach, expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { captureLogger, observeFor, startWorker, uniqueKey, waitUntil } from "./support.js";

class Recorder extends Organ {
  readonly listensTo = ["JOB"];
  readonly seen = new Set<string>();
  async handle(event: Event): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.seen.add(event.id);
  }
}

const jobs = (from: number, count: number): Event[] =>
  Array.from({ length: count }, (_, i) => new Event("JOB", { n: from + i }));

describeRedis("A worker while Redis restarts without persistence", () => {
  const fixture = usePrivateRedis();

  it("reconnects, recreates the group, handles new events, and logs a bounded number of lines while Redis is down", async () => {
    const streamKey = uniqueKey("restart");
    const { logger, lines } = captureLogger();
    const organ = new Recorder();
    const worker = startWorker(
      [organ],
      { redisUrl: fixture.server.url, streamKey, logger, claimMinIdleMs: 300, claimIntervalMs: 50 },
      // The Spine logs every dispatch at info; only its warnings and errors matter here.
      { logger: logger.child({}, { level: "warn" }) },
    );
    try {
      const before = jobs(0, 20);
      for (const event of before) await worker.backend.enqueue(event);
      await waitUntil("the first events", () => organ.seen.size === 20);

      const linesBeforeOutage = lines.length;
      await fixture.server.kill();
      // Redis stays down for a while: reconnect attempts fail over and over.
      await observeFor(2_500);
      const outageLines = lines.slice(linesBeforeOutage);
      expect(outageLines.length).toBeGreaterThanOrEqual(1);
      expect(outageLines.length).toBeLessThanOrEqual(8);
      expect(outageLines[0]?.message).toMatch(
        /^Lost the connection to Redis at redis:\/\/127\.0\.0\.1:\d+/,
      );

      await fixture.server.start();
      // Everything is gone: no stream, no group. New events still get handled.
      const after = jobs(20, 20);
      await waitUntil("the worker to reconnect", () => worker.backend.metrics.reconnections >= 1);
      for (const event of after) await worker.backend.enqueue(event);
      await waitUntil("the new events", () => after.every((e) => organ.seen.has(e.id)));

      const groups = (await fixture.redis.call("XINFO", "GROUPS", streamKey)) as unknown[][];
      expect(groups.map((g) => g[1])).toEqual(["necrostack"]);
      const messages = lines.map((l) => String(l.message));
      expect(messages.some((m) => m.startsWith("Reconnected to Redis"))).toBe(true);
      expect(messages.some((m) => m.includes("is gone (Redis restarted without persistence"))).toBe(
        true,
      );
    } finally {
      await worker.stop();
    }
  });
});

describeRedis("A worker while Redis restarts with appendonly persistence", () => {
  const fixture = usePrivateRedis({ appendOnly: true });
  afterEach(async () => {
    await fixture.server.start();
  });

  it("loses nothing enqueued before a kill -9 of redis-server: every event is handled", async () => {
    const streamKey = uniqueKey("durable");
    const organ = new Recorder();
    const worker = startWorker(
      [organ],
      { redisUrl: fixture.server.url, streamKey, claimMinIdleMs: 300, claimIntervalMs: 50 },
      { logger: pino({ level: "silent" }) },
    );
    try {
      const events = jobs(0, 300);
      await Promise.all(events.map((event) => worker.backend.enqueue(event)));
      await waitUntil("some events handled", () => organ.seen.size >= 50);
      await fixture.server.kill();
      await fixture.server.start();
      expect(await fixture.redis.xlen(streamKey)).toBe(300);
      await waitUntil(
        "every event handled",
        () => events.every((e) => organ.seen.has(e.id)),
        20_000,
      );
      expect(worker.backend.metrics.reconnections).toBeGreaterThanOrEqual(1);
    } finally {
      await worker.stop();
    }
  });
});
