/**
 * The dashboard when Redis fails under it: a killed or frozen server gives 503 with a clear
 * message (never a hung request), the live feed reports the failure and goes on, and everything
 * answers again once Redis is back.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDashboard, type Dashboard } from "../../src/dashboard.js";
import { RedisInspector } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";
import { getJson } from "./fixture.js";

describeRedis("Dashboard during a Redis outage", () => {
  const redis = usePrivateRedis();
  let dashboard: Dashboard;

  beforeAll(async () => {
    await redis.redis.xadd("jobs", "*", "event", "{}");
    dashboard = createDashboard({
      inspector: new RedisInspector({ redisUrl: redis.server.url, commandTimeoutMs: 500 }),
      requestTimeoutMs: 2_000,
      sampleIntervalMs: 100,
    });
    expect((await getJson(dashboard.fetch, "/api/overview")).status).toBe(200);
  });
  afterAll(async () => {
    redis.server.resume();
    await dashboard?.close();
  });

  it("answers 503 backend-unavailable, naming Redis, while the server is killed; 200 once it is back", {
    timeout: 30_000,
  }, async () => {
    await redis.server.kill();
    for (const path of [
      "/api/overview",
      "/api/streams/jobs",
      "/api/streams/jobs/events",
      "/api/streams/jobs/search?text=x",
    ]) {
      const { status, body } = await getJson<{ error: { code: string; message: string } }>(
        dashboard.fetch,
        path,
      );
      expect(status, path).toBe(503);
      expect(body.error.code).toBe("backend-unavailable");
      expect(body.error.message).toMatch(/^Redis .* failed on redis:\/\/127\.0\.0\.1:\d+/);
    }
    const health = await getJson<{ healthy: boolean }>(dashboard.fetch, "/api/health");
    expect(health.status).toBe(503);
    expect(health.body.healthy).toBe(false);
    await redis.server.start();
    await waitUntil(
      "the dashboard answering again",
      async () => (await getJson(dashboard.fetch, "/api/overview")).status === 200,
      15_000,
    );
  });

  it("answers 503 instead of hanging while the server is frozen (SIGSTOP)", {
    timeout: 30_000,
  }, async () => {
    redis.server.pause();
    try {
      const { status, body } = await getJson<{ error: { code: string; message: string } }>(
        dashboard.fetch,
        "/api/streams/jobs",
      );
      expect(status).toBe(503);
      expect(body.error.code).toBe("backend-unavailable");
    } finally {
      redis.server.resume();
    }
    await waitUntil(
      "the dashboard answering again",
      async () => (await getJson(dashboard.fetch, "/api/streams/jobs")).status === 200,
      15_000,
    );
  });

  it("sends an error message on the live feed while sampling fails, and samples again after", {
    timeout: 30_000,
  }, async () => {
    const response = await dashboard.fetch(new Request("http://127.0.0.1/api/live"));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the feed ended before ${pattern}`);
        text += decoder.decode(value);
      }
    };
    await readUntil(/^data: \{"at"/m);
    redis.server.pause();
    try {
      await readUntil(/^event: error\ndata: \{"message":"Redis/m);
    } finally {
      redis.server.resume();
    }
    text = "";
    await readUntil(/^data: \{"at".*"name":"jobs"/m);
    await reader.cancel();
  });
});
