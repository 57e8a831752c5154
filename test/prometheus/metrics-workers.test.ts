/**
 * The metrics and the HTTP endpoint of real `necrostack worker` processes on a private
 * redis-server: two workers share one stream, and what their /metrics say, summed, is what
 * happened.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readinessOf } from "../../src/cli/http-endpoint-worker.js";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { parseExposition, type Samples, sample } from "./scrape.js";

const ORGANS = "test/prometheus/fixtures/metrics-organs.ts";

describeRedis(
  "necrostack worker --http (processes on a private redis-server)",
  { timeout: 90_000 },
  () => {
    let server: RedisServer;
    beforeAll(async () => {
      // Kept on disk, so the group survives the restart below.
      server = await RedisServer.start({ appendOnly: true });
    });
    afterEach(() => WorkerProcess.killAll());
    afterAll(async () => {
      await server?.dispose();
    });

    /** Starts a worker serving on a free port; resolves it and its endpoint's URL. */
    async function startWorker(stream: string, consumer: string, extra: readonly string[] = []) {
      const worker = WorkerProcess.start({
        redisUrl: server.url,
        organs: ORGANS,
        args: [
          ...["--stream", stream, "--group", "g", "--consumer", consumer],
          ...["--handler-failure-mode", "nack", "--max-retries", "2"],
          // Entries are claimed from a worker only when they idle 1 s: one batch entry at a time,
          // handled in well under that, so only the failed (released) ones are delivered again.
          ...["--claim-min-idle-ms", "1000", "--claim-interval-ms", "200", "--batch-size", "1"],
          ...["--command-timeout-ms", "1000", "--http", "127.0.0.1:0"],
          ...extra,
        ],
      });
      await worker.waitForStdout(
        /serving \/metrics, \/healthz and \/readyz on (http:\/\/\S+)/,
        30_000,
      );
      await worker.listening();
      const url = /on (http:\/\/\S+)\n/.exec(worker.stdout)?.[1] as string;
      return { worker, url };
    }

    async function scrape(url: string, headers: Record<string, string> = {}): Promise<Samples> {
      const res = await fetch(`${url}/metrics`, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      return parseExposition(await res.text());
    }

    const sum = (all: readonly Samples[], name: string, labels: Record<string, string> = {}) =>
      all.reduce((total, s) => total + (sample(s, name, labels) ?? Number.NaN), 0);

    it("counts what two workers did, exactly, and reads the stream's levels from Redis", async () => {
      const stream = `metrics:${randomUUID()}`;
      const a = await startWorker(stream, "a");
      const b = await startWorker(stream, "b");
      const producer = new RedisBackend({ redisUrl: server.url, streamKey: stream, logger: false });
      for (let n = 0; n < 10; n++) await producer.enqueue(new Event("JOB", { n }));
      for (const n of [100, 101]) await producer.enqueue(new Event("JOB", { n, fail: true }));
      await producer.close();

      const d = { destination: stream };
      const job = { ...d, event_type: "JOB", organ: "JobOrgan" };
      const done = { ...d, event_type: "JOB_DONE", organ: "DoneOrgan" };
      /** Every figure of the run, exactly; counters only grow, so once all hold they stay. */
      const check = (both: readonly Samples[]): void => {
        expect(sum(both, "necrostack_events_processed_total", { ...job, outcome: "ack" })).toBe(10);
        expect(sum(both, "necrostack_events_processed_total", { ...job, outcome: "retry" })).toBe(
          2,
        );
        expect(
          sum(both, "necrostack_events_processed_total", { ...job, outcome: "dead_letter" }),
        ).toBe(2);
        expect(sum(both, "necrostack_events_processed_total", { ...job, outcome: "error" })).toBe(
          0,
        );
        expect(sum(both, "necrostack_events_processed_total", { ...done, outcome: "ack" })).toBe(
          10,
        );
        expect(
          sum(both, "necrostack_events_published_total", { ...d, event_type: "JOB_DONE" }),
        ).toBe(10);
        expect(sum(both, "necrostack_events_published_total", { ...d, event_type: "JOB" })).toBe(0);
        expect(sum(both, "necrostack_events_redelivered_total", d)).toBe(2);
        for (const kind of ["max_deliveries", "loop_protection", "invalid_event", "other"]) {
          expect(
            sum(both, "necrostack_events_dead_lettered_total", { ...d, reason_kind: kind }),
          ).toBe(0);
        }
        expect(sum(both, "necrostack_loop_stopped_total")).toBe(0);
        expect(
          sum(both, "necrostack_process_duration_seconds_count", {
            event_type: "JOB",
            organ: "JobOrgan",
          }),
        ).toBe(14);
        expect(
          sum(both, "necrostack_process_duration_seconds_count", {
            event_type: "JOB_DONE",
            organ: "DoneOrgan",
          }),
        ).toBe(10);
        expect(sum(both, "necrostack_event_age_seconds_count", { event_type: "JOB" })).toBe(14);
        expect(sum(both, "necrostack_event_age_seconds_count", { event_type: "JOB_DONE" })).toBe(
          10,
        );
        expect(sum(both, "necrostack_in_flight_events")).toBe(0);
        // Each worker reads the same levels from Redis: 12 JOB and 10 JOB_DONE entries, 2 dead letters.
        for (const s of both) {
          expect(sample(s, "necrostack_stream_length", d)).toBe(22);
          expect(sample(s, "necrostack_dead_letter_length", d)).toBe(2);
          expect(
            sample(s, "necrostack_consumer_group_pending", { ...d, consumer_group: "g" }),
          ).toBe(0);
          expect(sample(s, "necrostack_consumer_group_lag", { ...d, consumer_group: "g" })).toBe(0);
          expect([...s.keys()].filter((k) => k.startsWith("necrostack_build_info"))).toHaveLength(
            1,
          );
        }
      };
      let both: Samples[] = [];
      await waitUntil(
        "both workers' metrics add up to the whole run",
        async () => {
          both = [await scrape(a.url), await scrape(b.url)];
          try {
            check(both);
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      ).catch(() => undefined);
      // Again outside the wait, for a failure that names the figure that is wrong.
      check(both);
    });

    it("answers /healthz and /readyz, 503 with the reason while Redis is down and 200 once it is back", async () => {
      const { url } = await startWorker(`metrics:${randomUUID()}`, "probe");
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      await waitUntil(
        "/readyz answers 200",
        async () => (await fetch(`${url}/readyz`)).status === 200,
        {
          timeoutMs: 10_000,
        },
      );

      await server.stop();
      let down: Response | undefined;
      await waitUntil(
        "/readyz answers 503 while Redis is down",
        async () => {
          down = await fetch(`${url}/readyz`);
          return down.status === 503;
        },
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      expect(await down?.text()).toMatch(/^not ready: the backend is unreachable: /);
      // Alive all the same: a liveness probe must not restart a worker for its backend's outage.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      await server.start();
      await waitUntil(
        "/readyz answers 200 again",
        async () => (await fetch(`${url}/readyz`)).status === 200,
        {
          timeoutMs: 20_000,
          intervalMs: 100,
        },
      );
    });

    it("is not ready until the consumer group exists (readiness of a RedisBackend's health)", async () => {
      const backend = new RedisBackend({
        redisUrl: server.url,
        streamKey: `metrics:${randomUUID()}`,
        consumerGroup: "fresh",
        logger: false,
      });
      try {
        // Redis answers, but no pull has created the group yet.
        expect(readinessOf(await backend.health())).toEqual({
          ready: false,
          reason:
            "consumer group fresh does not exist yet (the worker creates it on its first read)",
        });
        expect(await backend.pull(10)).toBeNull();
        expect(readinessOf(await backend.health())).toEqual({ ready: true });
      } finally {
        await backend.close();
      }
    });

    it("requires the bearer token on every route with --http-token, 401 otherwise", async () => {
      const { url } = await startWorker(`metrics:${randomUUID()}`, "guarded", [
        "--http-token",
        "s3cret",
      ]);
      for (const path of ["/metrics", "/healthz", "/readyz"]) {
        const none = await fetch(`${url}${path}`);
        expect(none.status).toBe(401);
        expect(none.headers.get("www-authenticate")).toBe('Bearer realm="necrostack"');
        expect(
          (await fetch(`${url}${path}`, { headers: { authorization: "Bearer wrong" } })).status,
        ).toBe(401);
        expect(
          (await fetch(`${url}${path}`, { headers: { authorization: "Basic s3cret" } })).status,
        ).toBe(401);
      }
      const ok = await fetch(`${url}/healthz`, { headers: { authorization: "Bearer s3cret" } });
      expect(ok.status).toBe(200);
      const s = await scrape(url, { authorization: "Bearer s3cret" });
      expect(s.has("necrostack_in_flight_events")).toBe(true);
    });
  },
);

describe("necrostack worker --http flags", () => {
  it("is documented in the usage text", async () => {
    const { WORKER_USAGE } = await import("../../src/cli/worker.js");
    expect(WORKER_USAGE).toContain("--http [HOST:]PORT");
    expect(WORKER_USAGE).toContain("--http-token TOKEN");
  });
});
