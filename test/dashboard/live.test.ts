/**
 * Live rates: the shared sampler's Server-Sent Events, and the ring of samples behind each
 * stream's chart, against a private Redis with a real producer and a real worker.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { RateSampler } from "../../src/dashboard/server/sampler.js";
import { createDashboard, type Dashboard } from "../../src/dashboard.js";
import { Event, organ, Spine } from "../../src/index.js";
import { RedisBackend, RedisInspector } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { getJson } from "./fixture.js";

interface Live {
  at: string;
  streams: { name: string; length: number; inPerSec: number; outPerSec: number; pending: number }[];
}

describeRedis("Dashboard live rates", () => {
  const redis = usePrivateRedis();
  let dashboard: Dashboard;

  beforeAll(() => {
    dashboard = createDashboard({
      inspector: new RedisInspector({ redisUrl: redis.server.url }),
      streams: ["work"],
      sampleIntervalMs: 100,
    });
  });
  afterAll(async () => {
    await dashboard?.close();
  });

  it("streams a message per sample with events/s in and handled/s out while a worker runs", {
    timeout: 30_000,
  }, async () => {
    const response = await dashboard.fetch(new Request("http://127.0.0.1/api/live"));
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    expect(response.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const messages: Live[] = [];
    const next = async (): Promise<Live> => {
      while (!buffer.includes("\n\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error("the feed ended");
        buffer += decoder.decode(value);
      }
      const at = buffer.indexOf("\n\n");
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      const data = block.split("\n").find((line) => line.startsWith("data: "));
      return data === undefined ? next() : (JSON.parse(data.slice(6)) as Live);
    };

    const producer = new RedisBackend({
      redisUrl: redis.server.url,
      streamKey: "work",
      logger: false,
    });
    const backend = new RedisBackend({
      redisUrl: redis.server.url,
      streamKey: "work",
      logger: false,
    });
    const spine = new Spine({
      organs: [organ("w", ["JOB"], () => [])],
      backend,
      logger: false,
      maxSteps: Number.POSITIVE_INFINITY,
      pollTimeoutMs: 50,
    });
    const run = spine.run();
    let producing = true;
    const produce = (async () => {
      while (producing) {
        await producer.enqueue(new Event("JOB", {}));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    try {
      while (
        !messages.some(
          (m) => (m.streams[0]?.inPerSec ?? 0) > 0 && (m.streams[0]?.outPerSec ?? 0) > 0,
        )
      ) {
        messages.push(await next());
        if (messages.length > 100) throw new Error("no rates after 100 messages");
      }
    } finally {
      producing = false;
      await produce;
      spine.stop();
      await run;
      await backend.close();
      await producer.close();
      await reader.cancel();
    }
    expect(messages.every((m) => m.streams.length === 1 && m.streams[0]?.name === "work")).toBe(
      true,
    );
    const rates = await getJson<{ samples: { at: string; inPerSec: number; outPerSec: number }[] }>(
      dashboard.fetch,
      "/api/streams/work/rates",
    );
    expect(rates.body.samples.some((s) => s.inPerSec > 0)).toBe(true);
    const overview = await getJson<{ streams: { rates: { inPerSec: number } }[] }>(
      dashboard.fetch,
      "/api/overview",
    );
    expect(overview.body.streams.length).toBe(1);
  });

  it("answers 404 for a stream the dashboard was not given", async () => {
    const { status } = await getJson(dashboard.fetch, "/api/streams/other/rates");
    expect(status).toBe(404);
  });
});

describeRedis("RateSampler", () => {
  const redis = usePrivateRedis();

  it("keeps a bounded ring of samples per stream: the newest keepMs worth", async () => {
    const inspector = new RedisInspector({ redisUrl: redis.server.url });
    const sampler = new RateSampler(inspector, async () => ["ring"], 100, 1_000);
    try {
      for (let i = 0; i < 25; i++) {
        await redis.redis.xadd("ring", "*", "event", "{}");
        await sampler.tick();
        // A rate needs time to pass between two readings.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const samples = sampler.samples("ring");
      expect(samples.length).toBe(10);
      expect(samples.every((s) => s.inPerSec > 0)).toBe(true);
      expect(sampler.latest?.streams[0]).toMatchObject({ name: "ring", length: 25 });
    } finally {
      sampler.stop();
      await inspector.close();
    }
  });
});
